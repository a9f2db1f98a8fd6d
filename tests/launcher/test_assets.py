"""The launcher's static files: small enough for every page, and never parsing what anyone
typed as HTML, nor holding words of their own."""

import gzip
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "contactkit" / "static" / "contactkit"
LAUNCHER = [STATIC / "launcher.js", STATIC / "launcher.css"]
SCRIPTS = [STATIC / "launcher.js", STATIC / "widget.js"]
BUDGET = 10 * 1024  # bytes, gzipped: the launcher and the chat together


def test_the_launcher_and_the_chat_fit_in_10_kb_gzipped():
    size = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in LAUNCHER)
    assert size <= BUDGET, f"{size} bytes gzipped, over the {BUDGET} budget"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_nothing_is_parsed_as_html(path):
    code = path.read_text()
    for api in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert api not in code, api
    assert not re.search(r"new\s+Function\s*\(", code)
    assert not re.search(r"createContextualFragment|DOMParser", code)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_no_words_of_their_own(path):
    """Every word a shopper reads comes from the API (state.texts) or the page's data-*
    attributes, translated by the server: no sentence is written in the scripts."""
    code = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    code = re.sub(r"^\s*//.*$", "", code, flags=re.M)
    literals = {one or other for one, other in re.findall(r'"([^"\\]*)"|`([^`]*)`', code)}
    # Words are letters between spaces; class names, selectors and addresses are not.
    words = [
        text
        for text in literals - {"use strict"}
        if re.search(r"(^|\s)[A-Za-z]{2,}\s+[A-Za-z]{2,}(\s|$)", text)
    ]
    assert words == []


def test_the_stylesheet_respects_reduced_motion_and_keeps_targets_44px():
    css = (STATIC / "launcher.css").read_text()
    motion = css.index("@media (prefers-reduced-motion: no-preference)")
    assert css.index("animation") > motion
    assert "min-height: 2.75rem" in css and "min-height: 3rem" in css
    # The theme's custom properties, each with a fallback.
    assert re.findall(r"var\(--ck-[a-z-]+\)", css) == []
