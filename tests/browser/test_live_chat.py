"""A live chat between a shopper on a demo page and a member of staff in the Wagtail admin, in two
Chromium contexts against the demo shop served live, on a weekday at noon (the demo's chat
channel is open 10:00 to 19:00, Monday to Friday).

Staff turn "Available for chat" on; the shopper starts a chat with the launcher; staff hear of
it and open it; lines, typing and answers cross both ways within 2 seconds; when staff turn the
switch off, or close their admin tab, the shopper is told. The admin runs under a strict
Content-Security-Policy throughout, as in test_inbox_admin.py.
"""

import datetime as dt
import re
import time
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from contactkit.inbox.models import Conversation, Message
from contactkit.launcher.models import ChatPresence
from tests.browser.demo_pages import LOCALE, PAGES
from tests.browser.test_inbox_admin import STRICT_CSP

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
QUESTION = "Hola, ¿la taza verde sale hoy?"
LINE = "¿Y la tenéis <b>grande</b>?"
ANSWER = "Sí, sale hoy a las 17:00 y la tenemos grande."
# Recorded by the staff page: desktop notifications shown and sounds played (the browser's own
# are not visible to a test). Added by Playwright, not by the page: the CSP does not apply.
RECORD_ALERTS = """
window.__ckAlerts = {notifications: [], sounds: 0};
window.Notification = class {
  constructor(title, options) { window.__ckAlerts.notifications.push({title, body: options.body}); }
  close() {}
  static requestPermission() { return Promise.resolve("granted"); }
};
window.Notification.permission = "granted";
HTMLMediaElement.prototype.play = function () {
  window.__ckAlerts.sounds += 1;
  return Promise.resolve();
};
"""


def next_weekday_noon():
    """Noon in Madrid on the next weekday at least a day ahead (ahead, so that the browser's
    own clock, which is not moved, still takes the session cookie as valid)."""
    day = dt.datetime.now(MADRID).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=MADRID)


def seconds_until(check, timeout):
    """How long until ``check`` (a Playwright assertion) passes, or None after ``timeout``."""
    started = time.monotonic()
    try:
        check(timeout * 1000)
    except AssertionError:
        return None
    return time.monotonic() - started


@pytest.fixture(scope="module")
def chat(demo, browser):
    """The whole chat, as both people see it; what happened is returned for the tests."""
    seen = {"csp": [], "errors": []}
    with time_machine.travel(next_weekday_noon(), tick=True):
        cache.clear()  # no launcher state cached by an earlier test, from before staff came
        user_model = get_user_model()
        user_model.objects.filter(username="marta-chat").delete()
        user_model.objects.create_superuser(
            "marta-chat", "marta.chat@example.com", "tienda-2026", first_name="Marta"
        )
        staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=LOCALE)
        shopper_context = browser.new_context(
            viewport={"width": 360, "height": 740}, locale=LOCALE, base_url=demo.url
        )
        try:
            run(demo, staff_context, shopper_context, seen)
        finally:
            staff_context.close()
            shopper_context.close()
    return seen


def staff_page_in(context, seen):
    page = context.new_page()
    page.add_init_script(RECORD_ALERTS)
    page.on(
        "console",
        lambda message: (
            seen["csp"].append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: seen["errors"].append(f"staff: {error}"))

    def with_csp(route):
        response = route.fetch()
        route.fulfill(
            response=response,
            headers={**response.headers, "content-security-policy": STRICT_CSP},
        )

    page.route(re.compile(r".*/admin/.*"), with_csp)
    return page


def run(demo, staff_context, shopper_context, seen):
    # Staff log in and turn "Available for chat" on.
    staff = staff_page_in(staff_context, seen)
    staff.goto(demo.url + "/admin/login/")
    staff.fill("#id_username", "marta-chat")
    staff.fill("#id_password", "tienda-2026")
    staff.click("button[type=submit]")
    staff.wait_for_load_state("load")
    switch = staff.locator(".ck-chat-switch__button")
    switch.wait_for()
    seen["switch_label"] = switch.inner_text()
    seen["pressed_before"] = switch.get_attribute("aria-pressed")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    seen["present_after_switch"] = ChatPresence.objects.filter(available=True).count()

    # The shopper starts a chat with the launcher on a demo page.
    shopper = shopper_context.new_page()
    shopper.on("pageerror", lambda error: seen["errors"].append(f"shopper: {error}"))
    shopper.goto(PAGES["about"], wait_until="load")
    shopper.click(".ck-launcher__button")
    panel = shopper.locator("dialog.ck-launcher__panel")
    panel.locator(".ck-launcher__primary").first.click()
    panel.locator("input[name=name]").fill("Lucía Pérez")
    panel.locator("input[name=email]").fill("lucia.en.directo@example.com")
    panel.locator("textarea[name=message]").fill(QUESTION)
    panel.locator("form button[type=submit]").click()
    shopper_log = panel.locator(".ck-launcher__log")
    expect(shopper_log).to_contain_text(QUESTION)
    conversation = Conversation.objects.get(email="lucia.en.directo@example.com")
    seen["source"] = conversation.source

    # Staff hear of it (the next look for new chats is at most 5 s away) and open it.
    new_chat = staff.locator(".ck-chat-switch__new")
    seen["alert_after"] = seconds_until(
        lambda ms: expect(new_chat).to_contain_text("Lucía Pérez", timeout=ms), 8
    )
    seen["alerts"] = staff.evaluate("window.__ckAlerts")
    with staff.expect_navigation(wait_until="load"):
        new_chat.click()
    seen["staff_url"] = staff.url
    staff_panel = staff.locator("#live-chat-section")
    staff_log = staff_panel.locator("[role=log]")
    expect(staff_log).to_contain_text(QUESTION)
    switch = staff.locator(".ck-chat-switch__button")
    expect(switch).to_have_attribute("aria-pressed", "true")  # kept from page to page
    in_chat = staff_panel.locator("[data-ck-live-chat]").get_attribute("data-text-present")
    expect(staff_panel.locator("[data-ck-chat-presence]")).to_have_text(in_chat)
    # Moving around the admin never told the shopper that staff had left.
    seen["notice_while_staff_moved"] = panel.locator(".ck-launcher__notice").inner_text()

    # The shopper types: staff see it, then the line, within 2 s.
    shopper_box = panel.locator(".ck-launcher__send textarea")
    shopper_box.press_sequentially(LINE[:12], delay=40)
    seen["shopper_typing_after"] = seconds_until(
        lambda ms: expect(staff_panel.locator("[data-ck-chat-typing]")).to_be_visible(timeout=ms),
        2,
    )
    shopper_box.fill(LINE)
    shopper_box.press("Enter")
    seen["line_after"] = seconds_until(
        lambda ms: expect(staff_log).to_contain_text(LINE, timeout=ms), 2
    )
    seen["staff_log_bold"] = staff_log.locator("b").count()

    # Staff answer in the chat: the shopper sees them typing, then the answer, within 2 s.
    staff_box = staff_panel.locator("textarea")
    staff_box.press_sequentially(ANSWER[:10], delay=40)
    seen["staff_typing_after"] = seconds_until(
        lambda ms: expect(panel.locator(".ck-launcher__typing")).to_be_visible(timeout=ms), 2
    )
    staff_box.fill(ANSWER)
    staff_box.press("Enter")
    seen["answer_after"] = seconds_until(
        lambda ms: expect(shopper_log).to_contain_text(ANSWER, timeout=ms), 2
    )
    expect(staff_log).to_contain_text(ANSWER)
    seen["staff_box_after_send"] = staff_box.input_value()
    reply = conversation.messages.get(kind=Message.Kind.REPLY)
    seen["reply"] = (reply.via, reply.author.username, reply.deliveries.count())

    # Staff turn the switch off: the shopper is told, with the link to carry on.
    notice = panel.locator(".ck-launcher__notice")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "false")
    seen["left_after_switch_off"] = seconds_until(
        lambda ms: expect(notice.locator("a[href*='/conversation/']")).to_be_visible(timeout=ms),
        2,
    )
    seen["left_text"] = notice.inner_text()
    # Back on: the shopper is told someone is back.
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    seen["back_after"] = seconds_until(
        lambda ms: expect(notice.locator("a")).to_have_count(0, timeout=ms), 2
    )
    seen["back_text"] = notice.inner_text()

    # Staff close their admin tab: presence lapses within seconds, and the shopper is told.
    staff.close(run_before_unload=True)
    seen["left_after_tab_closed"] = seconds_until(
        lambda ms: expect(notice.locator("a[href*='/conversation/']")).to_be_visible(timeout=ms),
        10,
    )


def test_staff_turn_chat_on_and_hear_of_a_new_chat(chat):
    with translation.override("es"):
        assert chat["switch_label"] == gettext("Available for chat")
    assert chat["pressed_before"] == "false"
    assert chat["present_after_switch"] == 1
    assert chat["source"] == "chat"
    assert chat["alert_after"] is not None
    assert chat["alerts"]["sounds"] >= 1
    [note] = chat["alerts"]["notifications"]
    assert "Lucía Pérez" in note["title"] and QUESTION in note["body"]
    assert re.search(r"/admin/contactkit/inbox/\d+/$", chat["staff_url"])
    assert chat["notice_while_staff_moved"] == ""


def test_lines_and_typing_cross_both_ways_within_two_seconds(chat):
    assert chat["shopper_typing_after"] is not None
    assert chat["line_after"] is not None
    assert chat["staff_log_bold"] == 0  # shown as typed, never as HTML
    assert chat["staff_typing_after"] is not None
    assert chat["answer_after"] is not None
    assert chat["staff_box_after_send"] == ""
    # Stored as a chat reply by Marta, not emailed: the shopper read it live.
    assert chat["reply"] == (Message.Via.CHAT, "marta-chat", 0)


def test_the_shopper_is_told_when_staff_go_away(chat):
    assert chat["left_after_switch_off"] is not None
    assert chat["left_text"]
    assert chat["back_after"] is not None and chat["back_text"]
    assert chat["left_after_tab_closed"] is not None


def test_no_errors_and_nothing_against_the_strict_csp(chat):
    assert chat["errors"] == []
    assert chat["csp"] == []
