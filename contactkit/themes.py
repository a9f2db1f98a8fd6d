"""Finding the themes a shop can use, choosing one per request, and rendering pages in it.

A theme is a folder holding ``theme.toml`` (its manifest), ``theme.css`` and, optionally,
``templates/`` with the templates it overrides. The themes that ship with contactkit and the
folders named in ``CONTACTKIT_THEME_DIRS`` are searched alike; a project's own folder wins when
two themes share a name.

Template overrides need no change to ``TEMPLATES``: a theme with templates gets its own copy
of the project's Django template engine with the theme's ``templates/`` searched first. A page
shown in that theme is loaded through that engine, so its ``{% extends %}``, ``{% include %}``
and inclusion tags find the theme's copies first and everything else where they always were.
Each engine keeps its own cached loader, so one site's theme never leaks into another's pages.
"""

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import TemplateDoesNotExist, engines
from django.template.backends.django import DjangoTemplates
from django.utils.autoreload import autoreload_started, file_changed
from django.utils.translation import get_language, gettext

from contactkit.conf import contactkit_settings

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_PREFIX = "contactkit/themes"
# Theme names end up in static paths, preview-mode names and the database: keep them plain.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
PREVIEW_MODE_PREFIX = "theme-"


def bundled_themes_dir():
    """Where the shipped themes are: inside the wheel, or at the top of a source checkout."""
    installed = PACKAGE_DIR / "bundled_themes"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "themes"


def theme_dirs():
    """The folders searched for themes, in order: the project's own, then the shipped ones."""
    return [Path(path) for path in contactkit_settings.THEME_DIRS] + [bundled_themes_dir()]


@dataclass(frozen=True)
class Theme:
    """A theme found on disk: its folder's name, the folder, and its parsed theme.toml."""

    name: str
    path: Path
    manifest: dict = field(default_factory=dict, compare=False)

    @property
    def label(self):
        return self._localised("label") or self.name

    @property
    def description(self):
        return self._localised("description")

    def _localised(self, key):
        language = (get_language() or "en").split("-")[0]
        return self.manifest.get(f"{key}_{language}") or self.manifest.get(key, "")

    @property
    def css_static_path(self):
        """The theme's stylesheet as a static-files path, for ``{% static %}``."""
        return f"{STATIC_PREFIX}/{self.name}/theme.css"

    @property
    def stylesheet(self):
        return self.path / "theme.css"

    @property
    def templates_dir(self):
        return self.path / "templates"

    @property
    def has_templates(self):
        """Whether the theme overrides any template (a README in templates/ does not count)."""
        return self.templates_dir.is_dir() and any(
            path.is_file() and not path.name.startswith("README")
            for path in self.templates_dir.rglob("*")
        )


def _scan():
    """Every usable theme by name, and a sentence for each theme folder that was skipped or
    looks wrong (``manage.py check`` shows those)."""
    found, problems = {}, []
    for directory in theme_dirs():
        if not directory.is_dir():
            continue
        for manifest_path in sorted(directory.glob("*/theme.toml")):
            folder = manifest_path.parent
            name = folder.name
            if name in found:
                continue
            if not NAME_PATTERN.fullmatch(name):
                problems.append(
                    f"The theme folder {folder} is skipped: a theme's folder name may only hold "
                    "lowercase letters, digits, '-' and '_'."
                )
                continue
            try:
                with manifest_path.open("rb") as handle:
                    manifest = tomllib.load(handle)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
                problems.append(
                    f"The theme {name!r} is skipped: {manifest_path} is not valid TOML ({error})."
                )
                continue
            if not (folder / "theme.css").is_file():
                problems.append(f"The theme {name!r} is skipped: {folder} has no theme.css.")
                continue
            if manifest.get("name", name) != name:
                problems.append(
                    f"The theme {name!r} says name = {manifest['name']!r} in its theme.toml; "
                    "the folder's name is the one that counts."
                )
            found[name] = Theme(name=name, path=folder, manifest=manifest)
    return found, problems


def discover():
    """Every theme found, by name; earlier folders in the search order win."""
    return _scan()[0]


def theme_folder_problems():
    """A sentence for each theme folder that is skipped or looks wrong, for the checks."""
    return _scan()[1]


@cache
def available_themes():
    """The themes found, by name: read once, and again after :func:`clear_caches`."""
    return discover()


def sorted_themes():
    """The available themes as people see them listed: the default first, then by label."""
    themes = available_themes()
    return sorted(themes.values(), key=lambda theme: (theme.name != "default", theme.label))


def get_theme(name=None):
    """The theme called ``name``, else the project default, else the shipped default."""
    themes = available_themes()
    for candidate in (name, contactkit_settings.THEME, "default"):
        if candidate in themes:
            return themes[candidate]
    raise LookupError("No contactkit theme found: is the 'default' theme missing?")


# --- Choosing the theme of a request ---------------------------------------------------------


def site_theme_name(request):
    """The theme picked for the request's site in *Settings → Theme* ("" for none)."""
    from wagtail.models import Site

    from contactkit.pages.cache import remember
    from contactkit.theming.models import ThemeSettings

    site = Site.find_for_request(request)
    if site is None:
        return ""
    return remember("theme", (site.pk,), lambda: ThemeSettings.for_site(site).theme)


def theme_for_request(request, preferred=None):
    """The theme for ``request``: ``preferred`` (such as the theme being previewed) when it
    exists, else the site's choice, else ``CONTACTKIT_THEME``, else "default"."""
    themes = available_themes()
    if preferred in themes:
        return themes[preferred]
    return get_theme(site_theme_name(request) if request is not None else None)


def preview_modes():
    """One Wagtail preview mode per theme, for a page's ``preview_modes``."""
    return [
        (
            PREVIEW_MODE_PREFIX + theme.name,
            gettext("Preview in theme “%(label)s”") % {"label": theme.label},
        )
        for theme in sorted_themes()
    ]


def theme_name_for_preview_mode(mode):
    """The theme a preview mode of :func:`preview_modes` shows, or None for any other mode."""
    if mode and mode.startswith(PREVIEW_MODE_PREFIX):
        return mode.removeprefix(PREVIEW_MODE_PREFIX)
    return None


# --- Rendering in a theme --------------------------------------------------------------------


def project_engine():
    """The template engine contactkit's templates render with: the first DjangoTemplates one."""
    for backend in engines.all():
        if isinstance(backend, DjangoTemplates):
            return backend
    raise ImproperlyConfigured("contactkit needs a DjangoTemplates engine in TEMPLATES.")


@cache
def template_engine(theme):
    """The engine that renders pages in ``theme``: the project's engine with the theme's
    templates folder searched first. None when the theme overrides no templates."""
    if not theme.has_templates:
        return None
    project = project_engine()
    params = {**engines.templates[project.name], "NAME": f"contactkit-theme-{theme.name}"}
    del params["BACKEND"]
    params["DIRS"] = [theme.templates_dir, *params["DIRS"]]
    return type(project)(params)


def template_for(theme, template_name):
    """``template_name`` (a name or a list of names) as ``theme`` renders it, ready for
    ``TemplateResponse``: the name itself when the theme overrides no templates, else the
    template loaded through the theme's engine."""
    engine = template_engine(theme)
    if engine is None:
        return template_name
    names = [template_name] if isinstance(template_name, str) else list(template_name)
    tried = []
    for name in names:
        try:
            return engine.get_template(name)
        except TemplateDoesNotExist as error:
            tried.append(error)
    raise TemplateDoesNotExist(", ".join(names), chain=tried)


def clear_caches():
    """Forget the themes found and their engines, so the next request reads them again."""
    available_themes.cache_clear()
    template_engine.cache_clear()


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    if setting in {"TEMPLATES", "INSTALLED_APPS"} or setting.startswith("CONTACTKIT_"):
        clear_caches()


@receiver(autoreload_started, dispatch_uid="contactkit_watch_themes")
def _watch_themes(sender, **kwargs):
    # runserver does not watch theme folders by itself; without this an edited theme
    # template would stay in its engine's cache until a restart.
    for directory in theme_dirs():
        sender.watch_dir(directory.resolve(), "**/*")


@receiver(file_changed, dispatch_uid="contactkit_theme_file_changed")
def theme_file_changed(sender, file_path, **kwargs):
    """Reload themes when runserver sees a theme file change; True spares a restart."""
    if file_path.suffix == ".py":
        return None
    if any(directory.resolve() in file_path.parents for directory in theme_dirs()):
        clear_caches()
        return True
    return None


class ThemeFinder(BaseFinder):
    """Serves each theme's files as ``contactkit/themes/<name>/<file>`` static files.

    Add ``"contactkit.themes.ThemeFinder"`` to ``STATICFILES_FINDERS`` so ``collectstatic``
    and whitenoise pick the themes up.
    """

    def _storages(self):
        for theme in discover().values():
            storage = FileSystemStorage(location=theme.path)
            storage.prefix = f"{STATIC_PREFIX}/{theme.name}"
            yield theme, storage

    def find(self, path, find_all=False, **kwargs):
        matches = []
        for _theme, storage in self._storages():
            prefix = storage.prefix + "/"
            if path.startswith(prefix):
                relative = path.removeprefix(prefix)
                if relative.endswith(".toml") or relative.startswith("templates/"):
                    continue
                if storage.exists(relative):
                    matched = storage.path(relative)
                    if not find_all:
                        return matched
                    matches.append(matched)
        return matches

    def list(self, ignore_patterns):
        from django.contrib.staticfiles.utils import get_files

        for _theme, storage in self._storages():
            for path in get_files(storage, ignore_patterns + ["*.toml", "templates/*"]):
                yield path, storage
