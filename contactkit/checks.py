"""System checks for a project that installs contactkit (``manage.py check`` runs them)."""

from pathlib import Path

from django.apps import apps
from django.core import checks

from contactkit import themes
from contactkit.accounts import checks as accounts_checks  # noqa: F401  (registers them)
from contactkit.conf import contactkit_settings
from contactkit.inbox import checks as inbox_checks  # noqa: F401  (registers them)
from contactkit.theming import audit

REQUIRED_APPS = {
    "wagtail.contrib.settings": "the store profile is a Wagtail site setting",
    "wagtail.contrib.routable_page": "the contact and returns pages have sub-pages",
    "phonenumber_field": "channels store their phone numbers with django-phonenumber-field",
    "django_countries": "addresses store their country with django-countries",
}


@checks.register()
def check_required_apps(app_configs=None, **kwargs):
    return [
        checks.Error(
            f"contactkit needs '{app}' in INSTALLED_APPS: {why}.",
            hint=f"Add '{app}' to INSTALLED_APPS.",
            id="contactkit.E001",
        )
        for app, why in REQUIRED_APPS.items()
        if not apps.is_installed(app)
    ]


def _theme_dirs_are_valid():
    theme_dirs = contactkit_settings.THEME_DIRS
    return isinstance(theme_dirs, (list, tuple)) and all(
        isinstance(path, (str, bytes)) or hasattr(path, "__fspath__") for path in theme_dirs
    )


@checks.register()
def check_theme_settings(app_configs=None, **kwargs):
    errors = []
    theme = contactkit_settings.THEME
    if not isinstance(theme, str) or not theme:
        errors.append(
            checks.Error(
                "CONTACTKIT_THEME must be the name of a theme folder.",
                id="contactkit.E002",
            )
        )
    if not _theme_dirs_are_valid():
        errors.append(
            checks.Error("CONTACTKIT_THEME_DIRS must be a list of paths.", id="contactkit.E003")
        )
        return errors
    found = themes.available_themes()
    if isinstance(theme, str) and theme and theme not in found:
        errors.append(
            checks.Warning(
                f"CONTACTKIT_THEME is {theme!r}, but no theme has that name: sites that have "
                "not picked a theme are shown in the 'default' theme.",
                hint=f"Use one of {', '.join(sorted(found))}, or add the folder that holds "
                f"{theme!r} to CONTACTKIT_THEME_DIRS.",
                id="contactkit.W002",
            )
        )
    return errors


@checks.register()
def check_themes(app_configs=None, **kwargs):
    """Theme folders that are skipped or look wrong, colours below WCAG 2.2 AA, stylesheets
    that load from other servers, and template overrides the template engine cannot see."""
    if not _theme_dirs_are_valid():
        return []
    problems = [
        checks.Warning(problem, hint="See docs/theming.md.", id="contactkit.W003")
        for problem in themes.theme_folder_problems()
    ]
    for theme in themes.sorted_themes():
        css = theme.stylesheet.read_text(encoding="utf-8")
        problems += [
            checks.Warning(
                f"Theme {theme.name!r}: {shortfall}.",
                hint=f"Change {shortfall.foreground} or {shortfall.background} in "
                f"{theme.stylesheet}.",
                obj=theme.name,
                id="contactkit.W005",
            )
            for shortfall in audit.contrast_shortfalls(css)
        ]
        if audit.loads_from_network(css):
            problems.append(
                checks.Warning(
                    f"Theme {theme.name!r} loads a stylesheet or font from another server, "
                    "which tells that server about every shopper.",
                    hint="Use local font stacks and keep everything in the theme's folder.",
                    obj=theme.name,
                    id="contactkit.W006",
                )
            )
        if theme.has_templates and not _engine_searches_templates_of(theme):
            problems.append(
                checks.Warning(
                    f"The templates of theme {theme.name!r} are not used: the template "
                    "loaders of your DjangoTemplates engine do not search its DIRS.",
                    hint="Keep 'django.template.loaders.filesystem.Loader' among the loaders "
                    "in TEMPLATES (it is there unless you list loaders yourself).",
                    obj=theme.name,
                    id="contactkit.W004",
                )
            )
    return problems


def _engine_searches_templates_of(theme):
    engine = themes.template_engine(theme).engine
    searched = {
        Path(directory)
        for loader in engine.template_loaders
        if hasattr(loader, "get_dirs")
        for directory in loader.get_dirs()
    }
    return theme.templates_dir in searched


@checks.register(checks.Tags.staticfiles)
def check_theme_finder(app_configs=None, **kwargs):
    from django.conf import settings

    finders = getattr(settings, "STATICFILES_FINDERS", [])
    if "contactkit.themes.ThemeFinder" in finders:
        return []
    return [
        checks.Warning(
            "contactkit's theme stylesheets are not found by the static files finders.",
            hint="Add 'contactkit.themes.ThemeFinder' to STATICFILES_FINDERS.",
            id="contactkit.W001",
        )
    ]
