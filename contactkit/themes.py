"""Finding the themes a shop can use, and serving their CSS as static files.

A theme is a folder holding ``theme.toml`` (its manifest), ``theme.css`` and, optionally,
``templates/`` with the templates it overrides. The themes that ship with contactkit and the
folders named in ``CONTACTKIT_THEME_DIRS`` are searched alike; a project's own folder wins when
two themes share a name.
"""

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from django.utils.translation import get_language

from contactkit.conf import contactkit_settings

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_PREFIX = "contactkit/themes"


def bundled_themes_dir():
    """Where the shipped themes are: inside the wheel, or at the top of a source checkout."""
    installed = PACKAGE_DIR / "bundled_themes"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "themes"


def theme_dirs():
    return [Path(path) for path in contactkit_settings.THEME_DIRS] + [bundled_themes_dir()]


@dataclass(frozen=True)
class Theme:
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
    def templates_dir(self):
        return self.path / "templates"


def discover():
    """Every theme found, by name; earlier folders in the search order win."""
    found = {}
    for directory in theme_dirs():
        if not directory.is_dir():
            continue
        for manifest in sorted(directory.glob("*/theme.toml")):
            name = manifest.parent.name
            if name not in found:
                with manifest.open("rb") as handle:
                    found[name] = Theme(
                        name=name, path=manifest.parent, manifest=tomllib.load(handle)
                    )
    return found


@cache
def available_themes():
    return discover()


def get_theme(name=None):
    """The theme called ``name``, else the project default, else the shipped default."""
    themes = available_themes()
    for candidate in (name, contactkit_settings.THEME, "default"):
        if candidate in themes:
            return themes[candidate]
    raise LookupError("No contactkit theme found: is the 'default' theme missing?")


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
