"""Themes made on the fly in a temporary folder, the way a themer makes them."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from contactkit.theming.models import ThemeSettings
from tests.pages.builders import full_shop

CONTACTKIT_TEMPLATES = Path(__file__).resolve().parents[2] / "contactkit" / "templates"


def make_theme(parent, name, css, manifest=None, templates=None):
    """A theme folder: theme.toml, theme.css and ``templates`` ({template name: text})."""
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / "theme.toml").write_text(manifest or f'label = "{name.title()}"\n', encoding="utf-8")
    (folder / "theme.css").write_text(css, encoding="utf-8")
    for template_name, text in (templates or {}).items():
        path = folder / "templates" / template_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def contactkit_template(name):
    """The text of one of contactkit's own templates, to copy into a theme as a themer does."""
    return (CONTACTKIT_TEMPLATES / name).read_text(encoding="utf-8")


def pick_theme(site, name):
    setting = ThemeSettings.for_site(site)
    setting.theme = name
    setting.save()


@pytest.fixture
def theme_dir(settings, tmp_path):
    """The project's own themes folder, empty, in CONTACTKIT_THEME_DIRS."""
    folder = tmp_path / "themes"
    folder.mkdir()
    settings.CONTACTKIT_THEME_DIRS = [folder]
    return folder


@pytest.fixture
def pages(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return full_shop(site)


def new_theme(*args):
    """Run ``contactkit_new_theme`` with command-line arguments; returns what it printed."""
    out = StringIO()
    call_command("contactkit_new_theme", *args, stdout=out)
    return out.getvalue()
