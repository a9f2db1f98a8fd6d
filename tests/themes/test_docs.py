"""docs/theming.md keeps up with the templates, the CSS variables and the theme checks."""

import re
from pathlib import Path

import pytest

from tests.themes.test_shipped_themes import variables_contactkit_reads

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "theming.md").read_text(encoding="utf-8")
TEMPLATES = ROOT / "contactkit" / "templates"


# The admin's screens (and Wagtail's sign-in page) and the emails never render in a shop's
# theme.
NOT_THEMED = ("contactkit/admin/", "contactkit/emails/", "wagtailadmin/")


@pytest.mark.parametrize(
    "template",
    sorted(
        name
        for path in TEMPLATES.rglob("*.html")
        if not (name := path.relative_to(TEMPLATES).as_posix()).startswith(NOT_THEMED)
    ),
)
def test_every_template_a_page_renders_is_documented(template):
    assert f"`{template}`" in GUIDE


def test_every_css_variable_is_documented():
    for variable in sorted(variables_contactkit_reads()):
        assert f"`{variable}`" in GUIDE, variable


def test_every_theme_check_is_documented():
    checks_py = (ROOT / "contactkit" / "checks.py").read_text()
    # E001 (a required app is missing) is install.md's.
    for check_id in sorted(
        set(re.findall(r"contactkit\.[EW]\d{3}", checks_py)) - {"contactkit.E001"}
    ):
        assert check_id in GUIDE, check_id
