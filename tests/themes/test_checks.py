"""``manage.py check`` tells a themer what is wrong with a theme before a shopper sees it."""

import pytest
from django.core import checks

from contactkit import themes
from tests.themes.conftest import make_theme

GOOD_CSS = ":root { --ck-color-accent: #004d40; }"


def contactkit_messages(prefix="contactkit."):
    return [message for message in checks.run_checks() if message.id.startswith(prefix)]


def by_id(message_id):
    return [message for message in contactkit_messages() if message.id == message_id]


def test_the_demo_project_passes_every_check():
    assert contactkit_messages() == []


def test_broken_theme_folders_are_skipped_and_reported(theme_dir):
    make_theme(theme_dir, "broken-toml", GOOD_CSS, manifest='label = "unclosed\n')
    (theme_dir / "no-css").mkdir()
    (theme_dir / "no-css" / "theme.toml").write_text('label = "No CSS"\n')
    make_theme(theme_dir, "Bad Name", GOOD_CSS)
    make_theme(theme_dir, "renamed", GOOD_CSS, manifest='name = "original"\n')
    found = themes.available_themes()
    assert {"broken-toml", "no-css", "Bad Name"}.isdisjoint(found)
    assert "renamed" in found
    messages = " ".join(message.msg for message in by_id("contactkit.W003"))
    assert "'broken-toml' is skipped" in messages and "not valid TOML" in messages
    assert "'no-css' is skipped" in messages and "no theme.css" in messages
    assert "Bad Name is skipped" in messages
    assert "name = 'original'" in messages


def test_colours_below_wcag_aa_are_reported_pair_by_pair(theme_dir):
    make_theme(theme_dir, "pale", ":root { --ck-color-muted: #999999; --ck-color-focus: #dddddd; }")
    messages = [message.msg for message in by_id("contactkit.W005")]
    assert any("--ck-color-muted on --ck-color-background" in msg for msg in messages)
    assert any("--ck-color-muted on --ck-color-surface" in msg for msg in messages)
    assert any(
        "focus outline (--ck-color-focus on --ck-color-background)" in msg for msg in messages
    )
    assert all("'pale'" in msg for msg in messages)


@pytest.mark.parametrize(
    "css",
    [
        '@import url("https://fonts.googleapis.com/css2?family=Lora");',
        "@font-face { font-family: X; src: url(//fonts.example.net/x.woff2); }",
    ],
)
def test_a_stylesheet_that_loads_from_another_server_is_reported(theme_dir, css):
    make_theme(theme_dir, "remote", css + GOOD_CSS)
    assert [message.obj for message in by_id("contactkit.W006")] == ["remote"]


def test_theme_templates_unseen_by_the_template_loaders_are_reported(theme_dir, settings):
    make_theme(theme_dir, "harbour", GOOD_CSS, templates={"contactkit/base.html": "x"})
    assert by_id("contactkit.W004") == []
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": ["django.template.loaders.app_directories.Loader"],
            },
        }
    ]
    assert [message.obj for message in by_id("contactkit.W004")] == ["harbour"]
