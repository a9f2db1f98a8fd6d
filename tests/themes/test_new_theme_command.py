"""``manage.py contactkit_new_theme``: a copy of the default theme that works at once."""

import tomllib

import pytest
from django.contrib.staticfiles import finders
from django.core import checks
from django.core.management.base import CommandError

from contactkit import themes
from contactkit.theming import audit
from tests.themes.conftest import new_theme, pick_theme


def test_the_new_theme_goes_to_the_projects_theme_folder_and_is_found(theme_dir):
    output = new_theme("autumn")
    folder = theme_dir / "autumn"
    assert f"Created the theme 'autumn' in {folder}." in output
    assert "Settings → Theme" in output
    assert "CONTACTKIT_THEME_DIRS" not in output  # the folder is already searched
    assert sorted(path.name for path in folder.iterdir()) == [
        "templates",
        "theme.css",
        "theme.toml",
    ]
    assert [path.name for path in (folder / "templates").iterdir()] == ["README.md"]
    theme = themes.available_themes()["autumn"]
    assert theme.label == "Autumn"
    assert not theme.has_templates  # the README is for people


def test_the_new_theme_has_every_variable_of_the_default_each_explained(theme_dir):
    new_theme("autumn")
    css = (theme_dir / "autumn" / "theme.css").read_text()
    default = themes.bundled_themes_dir() / "default" / "theme.css"
    assert audit.root_properties(css) == audit.root_properties(default.read_text())
    for line in css.splitlines():
        if line.strip().startswith("--ck-color"):
            assert "/*" in line, f"not explained: {line}"


def test_the_new_theme_works_at_once(client, theme_dir, pages, site):
    new_theme("autumn", "--label", "Otoño cálido")
    manifest = tomllib.loads((theme_dir / "autumn" / "theme.toml").read_text())
    assert manifest == {"name": "autumn", "label": "Otoño cálido", "description": ""}
    assert finders.find("contactkit/themes/autumn/theme.css")
    assert audit.contrast_shortfalls((theme_dir / "autumn" / "theme.css").read_text()) == []
    assert not [message for message in checks.run_checks() if message.id.startswith("contactkit")]
    pick_theme(site, "autumn")
    response = client.get(pages["contacto"].url)
    assert "/static/contactkit/themes/autumn/theme.css" in response.content.decode()


def test_dir_names_any_folder_and_says_to_add_it_when_it_is_not_searched(theme_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    output = new_theme("autumn", "--dir", str(elsewhere))
    assert (elsewhere / "autumn" / "theme.css").is_file()
    assert f"Add {elsewhere} to CONTACTKIT_THEME_DIRS" in output


def test_it_never_overwrites(theme_dir):
    new_theme("autumn")
    css = theme_dir / "autumn" / "theme.css"
    css.write_text(":root { --ck-color-accent: #004d40; }")
    with pytest.raises(CommandError, match="already exists; nothing was changed"):
        new_theme("autumn")
    assert css.read_text() == ":root { --ck-color-accent: #004d40; }"


def test_it_refuses_the_name_of_a_theme_that_exists_elsewhere(theme_dir):
    with pytest.raises(CommandError, match="already a theme called 'boutique'"):
        new_theme("boutique")
    assert not (theme_dir / "boutique").exists()


@pytest.mark.parametrize("name", ["Autumn", "autumn leaves", "../autumn", "_autumn", "otoño"])
def test_it_refuses_names_that_cannot_be_a_theme(theme_dir, name):
    with pytest.raises(CommandError, match="cannot be a theme name"):
        new_theme(name)
    assert list(theme_dir.iterdir()) == []


def test_without_a_theme_folder_it_says_how_to_set_one(settings):
    settings.CONTACTKIT_THEME_DIRS = []
    with pytest.raises(CommandError, match="Set CONTACTKIT_THEME_DIRS"):
        new_theme("autumn")
