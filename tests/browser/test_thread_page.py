"""A shopper opens the link to their conversation on a phone, reads the shop's answer and
writes back; a tampered link gets the clear page. In Debian's Chromium at 360×740, against
the demo shop served live, with JavaScript on and off.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from wagtail.models import Site

from contactkit.inbox import threads
from contactkit.inbox.models import Conversation, Message, Status
from tests.browser.checks import horizontal_overflow
from tests.browser.conftest import select_theme
from tests.browser.demo_pages import LOCALE

pytestmark = pytest.mark.django_db

PHONE = {"width": 360, "height": 740}
QUESTION = "¿Tenéis la taza verde en tamaño grande?"
ANSWER = "Sí, la tenemos: sale mañana."
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="module")
def answered(demo):
    """A Spanish shopper's question, answered by Marta (committed: the live server sees it)."""
    staff, _ = get_user_model().objects.get_or_create(
        username="marta-hilo", defaults={"first_name": "Marta"}
    )
    made = Conversation.objects.create(
        site=Site.objects.get(is_default_site=True),
        topic="product",
        name="Elena Martín",
        email="elena.hilo@example.com",
        language="es",
        status=Status.WAITING,
    )
    Message.objects.create(
        conversation=made, kind=Message.Kind.SHOPPER, via=Message.Via.FORM, body=QUESTION
    )
    Message.objects.create(
        conversation=made, kind=Message.Kind.REPLY, via=Message.Via.ADMIN, author=staff, body=ANSWER
    )
    Message.objects.create(
        conversation=made, kind=Message.Kind.NOTE, author=staff, body="Nota: cliente habitual"
    )
    return made


def new_page(browser, demo, *, javascript=True):
    context = browser.new_context(
        viewport=PHONE, locale=LOCALE, base_url=demo.url, java_script_enabled=javascript
    )
    return context, context.new_page()


def reply_on(page, text):
    """Write ``text`` in the reply box and send it, as a person does (taking a few seconds)."""
    page.fill("textarea[name=message]", text)
    page.wait_for_timeout(3500)
    with page.expect_navigation(wait_until="load"):
        page.click(".ck-form__submit")


# The browsing happens in module-scoped fixtures, outside the tests' transactions, as in the
# other browser tests: the live server shares the test database and must see it unlocked.


@pytest.fixture(scope="module", params=[True, False], ids=["js", "no-js"])
def replied(request, demo, browser, answered):
    """What a shopper on a phone sees opening the link and writing back."""
    javascript = request.param
    url = threads.thread_url(answered, "es")
    context, page = new_page(browser, demo, javascript=javascript)
    seen = {"url": url, "javascript": javascript, "errors": []}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    try:
        seen["status"] = page.goto(url, wait_until="load").status
        seen["lang"] = page.evaluate("document.documentElement.lang")
        messages = page.locator(".ck-thread > li")
        seen["first"] = messages.nth(0).inner_text()
        seen["second"] = messages.nth(1).inner_text()
        seen["main"] = page.locator("main").inner_text()
        seen["outside"] = horizontal_overflow(page)["outside"] if javascript else []
        seen["text"] = f"Perfecto, la espero ({'con' if javascript else 'sin'} JavaScript)."
        reply_on(page, seen["text"])
        seen["url_after"] = page.url
        seen["sent_visible"] = page.locator(".ck-thread__sent").is_visible()
        seen["last"] = page.locator(".ck-thread > li").last.inner_text()
        # A reload shows the page again, and sends nothing twice.
        page.reload(wait_until="load")
        seen["reloaded_sent_visible"] = page.locator(".ck-thread__sent").count() > 0
    finally:
        context.close()
    return seen


def test_a_shopper_reads_the_answer_on_a_phone(replied, demo):
    assert replied["url"].startswith(demo.url)
    assert replied["status"] == 200
    assert replied["lang"] == "es"
    assert QUESTION in replied["first"]
    assert ANSWER in replied["second"] and "Marta" in replied["second"]
    assert "Nota: cliente habitual" not in replied["main"]
    assert replied["outside"] == []
    assert replied["errors"] == []


def test_the_shopper_replies_and_sees_it_appear(replied, answered):
    assert replied["url_after"] == replied["url"]
    assert replied["sent_visible"]
    assert replied["text"] in replied["last"]
    assert not replied["reloaded_sent_visible"]
    assert answered.messages.filter(body=replied["text"], via=Message.Via.THREAD).count() == 1
    answered.refresh_from_db()
    assert answered.status == Status.OPEN


@pytest.fixture(scope="module")
def tampered(demo, browser, answered):
    url = threads.thread_url(answered, "es")
    last = url[-2]
    context, page = new_page(browser, demo)
    try:
        response = page.goto(url[:-2] + ("B" if last == "A" else "A") + "/", wait_until="load")
        return {
            "status": response.status,
            "main": page.locator("main").inner_text(),
            "heading": page.locator("h1").is_visible(),
            "email": page.locator("form.ck-form input[name=email]").is_visible(),
            "reference": page.locator("form.ck-form input[name=reference]").is_visible(),
        }
    finally:
        context.close()


def test_a_tampered_link_gets_the_clear_page(tampered, answered):
    assert tampered["status"] == 404
    assert tampered["heading"]
    for secret in (answered.reference, QUESTION, ANSWER, "Marta"):
        assert secret not in tampered["main"]
    # The way out: a new link by email.
    assert tampered["email"] and tampered["reference"]


@pytest.fixture(scope="module")
def audited(demo, browser, answered):
    """axe-core's findings on the page, as it opens and with the reply box sent back empty."""
    with select_theme("default"):
        context, page = new_page(browser, demo)
        try:
            page.goto(threads.thread_url(answered, "es"), wait_until="load")
            opened = Axe().run(page, options=AXE_OPTIONS)
            with page.expect_navigation(wait_until="load"):
                page.click(".ck-form__submit")
            errors_shown = page.locator("#ck-form-errors").is_visible()
            with_errors = Axe().run(page, options=AXE_OPTIONS)
        finally:
            context.close()
    return opened, errors_shown, with_errors


def test_the_thread_page_has_no_axe_violations(audited):
    opened, errors_shown, with_errors = audited
    assert opened.violations_count == 0, opened.generate_report()
    assert errors_shown
    assert with_errors.violations_count == 0, with_errors.generate_report()
