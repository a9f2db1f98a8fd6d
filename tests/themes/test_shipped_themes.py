"""The themes contactkit ships: clearly different, small, local fonts, WCAG 2.2 AA colours."""

import re
import tomllib
from pathlib import Path

import pytest

from contactkit import themes
from contactkit.theming import audit

SHIPPED = ["default", "boutique", "contrast"]
ROOT = Path(__file__).resolve().parents[2]

# The pairs the issue names, as (foreground, background, minimum); audit.PAIRS holds more.
REQUIRED_PAIRS = [
    ("--ck-color-text", "--ck-color-background", 4.5),
    ("--ck-color-muted", "--ck-color-background", 4.5),
    ("--ck-color-muted", "--ck-color-surface", 4.5),
    ("--ck-color-accent", "--ck-color-background", 4.5),
    ("--ck-color-accent-text", "--ck-color-accent", 4.5),
    ("--ck-color-open", "--ck-color-surface", 4.5),
    ("--ck-color-closed", "--ck-color-surface", 4.5),
    ("--ck-color-text", "--ck-color-surface", 4.5),
    ("--ck-color-focus", "--ck-color-background", 3),
]
GENERIC_FAMILIES = ("serif", "sans-serif", "monospace", "system-ui")


def css_of(name):
    return (themes.bundled_themes_dir() / name / "theme.css").read_text(encoding="utf-8")


def variables_contactkit_reads():
    css = (ROOT / "contactkit/static/contactkit/contactkit.css").read_text()
    return set(re.findall(r"var\(\s*(--ck-[\w-]+)", css))


def test_the_shipped_themes_are_found():
    assert set(SHIPPED) <= set(themes.discover())
    assert themes.sorted_themes()[0].name == "default"


@pytest.mark.parametrize("name", SHIPPED)
def test_each_manifest_names_and_describes_the_theme_in_english_and_spanish(name):
    with (themes.bundled_themes_dir() / name / "theme.toml").open("rb") as handle:
        manifest = tomllib.load(handle)
    assert manifest["name"] == name
    for key in ("label", "label_es", "description", "description_es"):
        assert manifest[key].strip(), key


@pytest.mark.parametrize("name", SHIPPED)
def test_every_colour_pair_meets_wcag_aa(name):
    ratios = audit.contrast_ratios(css_of(name))
    for foreground, background, minimum in REQUIRED_PAIRS:
        assert ratios[(foreground, background)] >= minimum, (foreground, background)
    assert None not in ratios.values(), "every colour must be readable by the audit"
    assert audit.contrast_shortfalls(css_of(name)) == []


@pytest.mark.parametrize("name", SHIPPED)
def test_each_theme_sets_every_variable_contactkit_reads(name):
    assert variables_contactkit_reads() <= set(audit.root_properties(css_of(name)))


@pytest.mark.parametrize("name", SHIPPED)
def test_each_theme_is_small_and_loads_nothing_from_anywhere(name):
    css = css_of(name)
    assert len(css.encode()) < 4096
    assert not audit.loads_from_network(css)
    assert "url(" not in css and "@font-face" not in css


@pytest.mark.parametrize("name", SHIPPED)
def test_fonts_are_local_stacks_ending_in_a_generic_family(name):
    properties = audit.root_properties(css_of(name))
    for variable in ("--ck-font-body", "--ck-font-heading"):
        stack = properties[variable]
        if not stack.startswith("var("):
            assert stack.rsplit(",", 1)[-1].strip() in GENERIC_FAMILIES, stack


def test_the_themes_look_clearly_different():
    looks = {
        name: tuple(
            audit.root_properties(css_of(name))[variable]
            for variable in ("--ck-color-background", "--ck-color-accent", "--ck-radius")
        )
        for name in SHIPPED
    }
    for name, look in looks.items():
        others = [other for other_name, other in looks.items() if other_name != name]
        assert all(
            all(mine != theirs for mine, theirs in zip(look, other, strict=True))
            for other in others
        ), looks


def test_boutique_has_serif_headings_and_contrast_a_thick_focus_ring_and_bigger_text():
    boutique = audit.root_properties(css_of("boutique"))
    assert "Georgia" in boutique["--ck-font-heading"]
    assert boutique["--ck-font-heading"].endswith("serif")
    contrast = css_of("contrast")
    assert "outline: 4px solid" in contrast
    assert "font-size: 1.1875rem" in contrast
    assert "text-decoration-thickness" in contrast


# --- The audit itself ---------------------------------------------------------------------


def test_contrast_ratio_matches_wcag_examples():
    assert audit.contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert audit.contrast_ratio((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(4.48, 0.01)
    assert audit.parse_colour("#fff") == (255, 255, 255)
    assert audit.parse_colour("rgb(0 51 102)") == (0, 51, 102)
    assert audit.parse_colour("#00000080") is None  # see-through: cannot be judged alone
    assert audit.parse_colour("oklch(50% 0.1 200)") is None


def test_the_audit_reads_root_properties_as_the_browser_does():
    css = """
    /* :root { --ck-color-text: #ff0000; } */
    :root { --ck-color-text: #111111; --ck-color-muted: var(--ck-color-text); }
    @media print { :root { --ck-color-text: #000000; } }
    .ck { --ck-color-text: #eeeeee; }
    """
    assert audit.root_properties(css) == {
        "--ck-color-text": "#111111",
        "--ck-color-muted": "var(--ck-color-text)",
    }
    colours = audit.theme_colours(css)
    assert colours["--ck-color-muted"] == (0x11, 0x11, 0x11)
    # Left out: contactkit.css's fallbacks, the focus ring following the accent.
    assert colours["--ck-color-focus"] == colours["--ck-color-accent"] == (0x0B, 0x5C, 0xAD)
