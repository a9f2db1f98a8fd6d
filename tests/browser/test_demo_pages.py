"""Every demo page in every theme at a phone, tablet and laptop size, in Debian's Chromium.

Each case (page × theme × viewport) loads the page once; the checks below run on that load:
no console errors, no horizontal scrolling, targets large enough (WCAG 2.5.8), a visible focus
indicator on everything Tab reaches (WCAG 2.4.7), every id reference resolving to one element,
and no axe-core violation of WCAG 2.2 A/AA. Spanish pages at every size; their English
translations (``<page>-en``) on a phone and a laptop.

With CONTACTKIT_SCREENSHOTS=1 the default theme's pages at 360 and 1280 px wide are also saved,
full page, to docs/screenshots/<page>-<mobile|desktop>.png for the README.
"""

import io
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image

from contactkit.themes import discover, get_theme
from tests.browser.checks import (
    broken_idrefs,
    focus_indicator_problem,
    focus_walk,
    horizontal_overflow,
    undersized_targets,
)
from tests.browser.conftest import select_theme
from tests.browser.demo_pages import (
    LOCALE,
    PAGES,
    PAGES_AFTER_SENDING,
    PAGES_EN,
    SCREENSHOT_VIEWPORTS,
    VIEWPORTS,
)

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}


@dataclass(frozen=True)
class Case:
    page: str
    theme: str
    viewport: str
    width: int
    height: int

    @property
    def id(self):
        return f"{self.page}-{self.theme}-{self.viewport}"


def themes():
    """Every theme installed, found now (the default first, so its screenshots come early)."""
    return sorted(discover(), key=lambda name: (name != "default", name))


# The English pages, by the same names with "-en"; the thank-you page after sending in English.
ENGLISH = {f"{name}-en": path for name, path in PAGES_EN.items()}
ENGLISH_AFTER_SENDING = {"thanks-en": PAGES_EN["contact"]}
ENGLISH_VIEWPORTS = [size for size in VIEWPORTS if size[1] in SCREENSHOT_VIEWPORTS]

CASES = [
    Case(page, theme, viewport, width, height)
    for theme in themes()
    for page in [*PAGES, *PAGES_AFTER_SENDING]
    for viewport, width, height in VIEWPORTS
] + [
    Case(page, theme, viewport, width, height)
    for theme in themes()
    for page in [*ENGLISH, *ENGLISH_AFTER_SENDING]
    for viewport, width, height in ENGLISH_VIEWPORTS
]


SENDERS = itertools.count(1)


def open_page(page, name):
    """Open the demo page ``name``; the thank-you page by sending the contact form first."""
    to_open = {**PAGES, **ENGLISH}
    to_send = {**PAGES_AFTER_SENDING, **ENGLISH_AFTER_SENDING}
    if name not in to_send:
        return page.goto(to_open[name], wait_until="load")
    page.goto(to_send[name], wait_until="load")
    page.fill("#id_name", "Elena Martín")
    # A shopper of her own each time: the same address nine times would be held for review.
    page.fill("#id_email", f"elena.{next(SENDERS)}@example.com")
    page.select_option("#id_topic", "product")
    page.fill("#id_message", "¿Tenéis la taza verde en tamaño grande?")
    page.check("#id_consent")
    with page.expect_navigation(wait_until="load") as navigation:
        page.click(".ck-form__submit")
    assert page.url.endswith("/thanks/"), page.url
    return navigation.value


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        metafunc.parametrize(
            "case", CASES, ids=[case.id for case in CASES], indirect=True, scope="module"
        )


@pytest.fixture(scope="module")
def case(request):
    return request.param


@dataclass
class Loaded:
    page: object
    errors: list


@pytest.fixture(scope="module")
def loaded(case, demo, browser):
    """The page of ``case``, loaded once in a fresh browser context, for every check."""
    with select_theme(case.theme):
        context = browser.new_context(
            viewport={"width": case.width, "height": case.height},
            locale=LOCALE,
            base_url=demo.url,
        )
        page = context.new_page()
        errors = []
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and errors.append(f"console error: {message.text} ({message.location.get('url')})")
            ),
        )
        page.on("pageerror", lambda error: errors.append(f"uncaught exception: {error}"))
        page.on(
            "requestfailed",
            lambda request: errors.append(f"request failed: {request.url} ({request.failure})"),
        )
        response = open_page(page, case.page)
        assert response.ok, f"{case.page} answered {response.status}"
        stylesheets = page.eval_on_selector_all(
            "link[rel=stylesheet]", "links => links.map(link => link.href)"
        )
        assert any(f"/themes/{case.theme}/" in href for href in stylesheets), (
            f"the theme {case.theme!r} was not applied: stylesheets {stylesheets}"
        )
        if should_screenshot(case):
            save_screenshot(
                page, SCREENSHOTS / f"{case.page}-{SCREENSHOT_VIEWPORTS[case.width]}.png"
            )
        yield Loaded(page, errors)
        context.close()


def should_screenshot(case):
    return (
        os.environ.get("CONTACTKIT_SCREENSHOTS") == "1"
        and case.theme == get_theme().name
        and case.width in SCREENSHOT_VIEWPORTS
    )


def save_screenshot(page, path):
    """A full-page screenshot, with lazy images loaded, as a PNG of at most 128 colours."""
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    page.wait_for_load_state("networkidle")
    page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def test_no_console_errors(loaded):
    assert loaded.errors == []


def test_no_horizontal_overflow(loaded):
    result = horizontal_overflow(loaded.page)
    assert result["scrollWidth"] <= result["innerWidth"], (
        f"the page is {result['scrollWidth']} px wide in a {result['innerWidth']} px viewport; "
        f"sticking out: {result['outside']}"
    )


def test_targets_are_large_enough_or_spaced(loaded):
    """WCAG 2.5.8 Target Size (Minimum), with its spacing and inline exceptions."""
    result = undersized_targets(loaded.page)
    assert result["count"] > 0
    assert result["failures"] == []


def test_focus_is_visible(loaded):
    """Tab through the page: each element focused changes its outline or box-shadow."""
    steps = focus_walk(loaded.page)
    assert steps, "Tab focused nothing"
    problems = [
        f"{step['name']}: {why}" for step in steps if (why := focus_indicator_problem(step))
    ]
    assert problems == []


def test_every_id_reference_resolves(loaded):
    """aria-describedby, aria-labelledby, for, … each name one element of the page."""
    assert broken_idrefs(loaded.page) == []


def test_the_page_is_in_its_language(loaded, case):
    language = loaded.page.evaluate("document.documentElement.lang")
    assert language == ("en" if case.page.endswith("-en") else "es")


def test_no_axe_violations(loaded):
    """axe-core, WCAG 2.0/2.1/2.2 A and AA rules."""
    results = Axe().run(loaded.page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
