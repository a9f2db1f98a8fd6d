"""System checks for a project that installs contactkit (``manage.py check`` runs them)."""

from django.apps import apps
from django.core import checks

from contactkit.conf import contactkit_settings

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


@checks.register()
def check_theme_settings(app_configs=None, **kwargs):
    errors = []
    if not isinstance(contactkit_settings.THEME, str) or not contactkit_settings.THEME:
        errors.append(
            checks.Error(
                "CONTACTKIT_THEME must be the name of a theme folder.",
                id="contactkit.E002",
            )
        )
    theme_dirs = contactkit_settings.THEME_DIRS
    if not isinstance(theme_dirs, (list, tuple)) or not all(
        isinstance(path, (str, bytes)) or hasattr(path, "__fspath__") for path in theme_dirs
    ):
        errors.append(
            checks.Error("CONTACTKIT_THEME_DIRS must be a list of paths.", id="contactkit.E003")
        )
    return errors


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
