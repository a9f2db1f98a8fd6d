"""Sent back with errors, the contact form puts the shopper on its error summary, on a phone,
in Spanish and in English; each link of the summary takes them to its field (GOV.UK's pattern).

Without this a shopper on a 360 px phone lands at the top of a reloaded page, the errors some
3,000 px below. The browsing happens in a module-scoped fixture, as in test_demo_pages.py: a
test's own transaction would lock the tables the live server writes to.
"""

import pytest

from tests.browser.demo_pages import PAGES, PAGES_EN

pytestmark = pytest.mark.django_db

BOX = """element => {
    const box = element.getBoundingClientRect();
    return [box.top, box.bottom, window.innerHeight];
}"""


def on_screen(locator):
    """Whether the top of ``locator``'s element is on the screen (or it spans the screen)."""
    top, bottom, height = locator.evaluate(BOX)
    # Sub-pixel rounding may leave the top a fraction of a pixel above the screen.
    return (-1 < top < height and bottom > 0) or [top, bottom, height]


# The contact page in each language, and its error summary's heading.
FORMS = {
    "es": (PAGES["contact"], "es-ES", "Revisa estos campos"),
    "en": (PAGES_EN["contact"], "en-GB", "Please check these fields"),
}


@pytest.fixture(scope="module", params=sorted(FORMS))
def sent_with_errors(request, demo, browser):
    """What a shopper on a 360×740 phone meets after sending the form with three errors."""
    path, locale, heading = FORMS[request.param]
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale=locale, base_url=demo.url
    )
    page = context.new_page()
    seen = {"errors": [], "links": {}}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    try:
        page.goto(path, wait_until="load")
        page.fill("#id_name", "Elena Martín")
        page.fill("#id_email", "elena-sin-arroba")  # wrong
        page.fill("#id_message", "¿Tenéis la taza verde en tamaño grande?")
        # No topic chosen and no consent given: three errors.
        with page.expect_navigation(wait_until="load"):
            page.click(".ck-form__submit")
        summary = page.locator("#ck-form-errors")
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.id", timeout=5000
        )
        seen["focused"] = page.evaluate("document.activeElement.id")
        seen["language"] = page.evaluate("document.documentElement.lang")
        seen["summary"] = summary.inner_text()
        seen["expected_language"] = request.param
        seen["heading"] = heading
        seen["summary_on_screen"] = on_screen(summary)
        seen["scrolled"] = page.evaluate("window.scrollY")
        targets = summary.locator("a").evaluate_all("links => links.map(a => a.hash.slice(1))")
        seen["targets"] = targets
        for target in targets:
            summary.locator(f'a[href="#{target}"]').click()
            seen["links"][target] = {
                "focused": page.evaluate("document.activeElement.id"),
                "field_on_screen": on_screen(page.locator(f"#{target}")),
                "label_on_screen": on_screen(page.locator(f'label[for="{target}"]').first),
            }
        yield seen
    finally:
        context.close()


def test_the_error_summary_has_the_focus_and_is_on_screen(sent_with_errors):
    assert sent_with_errors["focused"] == "ck-form-errors"
    assert sent_with_errors["language"] == sent_with_errors["expected_language"]
    assert sent_with_errors["heading"] in sent_with_errors["summary"]
    assert sent_with_errors["summary_on_screen"] is True, "the summary is not on the screen"
    assert sent_with_errors["scrolled"] > 0
    assert sent_with_errors["errors"] == []


def test_each_summary_link_moves_the_focus_to_its_field(sent_with_errors):
    assert sent_with_errors["targets"] == ["id_email", "id_topic", "id_consent"]
    for target, seen in sent_with_errors["links"].items():
        assert seen == {"focused": target, "field_on_screen": True, "label_on_screen": True}, target
