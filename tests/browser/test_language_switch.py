"""A shopper switches language on every demo page, on a phone and on a laptop.

Each Spanish page links to its English translation and back; the page, its heading and its
own words (title, intro) change language, and the sub-page (the withdrawal form) stays the
same sub-page. The browsing happens in a module-scoped fixture, as in test_demo_pages.py.
"""

from urllib.parse import urlparse

import pytest

from tests.browser.demo_pages import PAGES, PAGES_EN

pytestmark = pytest.mark.django_db

SIZES = {"phone": (360, 740), "laptop": (1280, 800)}


def visit(page):
    """What a shopper sees of the page now: its path, language, heading and switch."""
    switch = page.locator("nav.ck-languages")
    return {
        "path": urlparse(page.url).path,
        "lang": page.evaluate("document.documentElement.lang"),
        "h1": page.locator("h1").first.inner_text().strip(),
        "switch_visible": switch.is_visible(),
        "current": switch.locator("a[aria-current=true]").inner_text().strip(),
    }


def switch_to(page, name):
    link = page.locator("nav.ck-languages a", has_text=name)
    with page.expect_navigation(wait_until="load"):
        link.click()


@pytest.fixture(scope="module")
def journeys(demo, browser):
    """For each size and page: the Spanish page, the English one after the switch, and the
    Spanish one after switching back."""
    seen = {}
    for size, (width, height) in SIZES.items():
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="es-ES", base_url=demo.url
        )
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        try:
            for name, path in PAGES.items():
                page.goto(path, wait_until="load")
                spanish = visit(page)
                switch_to(page, "English")
                english = visit(page)
                switch_to(page, "Español")
                back = visit(page)
                seen[(size, name)] = (spanish, english, back)
        finally:
            context.close()
        seen[(size, "errors")] = errors
    return seen


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_page_switches_to_english_and_back(journeys, size, name):
    spanish, english, back = journeys[(size, name)]
    assert spanish["path"] == PAGES[name]
    assert spanish["lang"] == "es"
    assert spanish["current"] == "Español"
    assert spanish["switch_visible"]

    assert english["path"] == PAGES_EN[name]
    assert english["lang"] == "en"
    assert english["current"] == "English"
    # The page's own heading is translated, not only the interface around it.
    assert english["h1"] != spanish["h1"]

    assert back == spanish
    assert journeys[(size, "errors")] == []
