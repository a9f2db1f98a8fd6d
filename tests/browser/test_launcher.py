"""The launcher and the live chat, as a Spanish shopper on a 360 px phone meets them on the demo
shop (served live, Debian's Chromium), with the shop's clock frozen at a chosen moment: out of
hours and in hours, a chat with staff both ways, staff leaving mid-chat, a reload, and the
widget on a storefront of another origin.

The demo server runs in this process, so time_machine moves its clock too (ticking on from the
chosen moment). What the panel shows is compared with the API's own state at that moment
(``launcher_state``), in the shopper's language, so the test checks what reaches the shopper
rather than a copy of the words. The browsing happens in module-scoped fixtures, outside the
tests' transactions, as in the other browser tests.
"""

import datetime as dt
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.utils import timezone
from wagtail.models import Site

from contactkit.inbox.models import Conversation, Message, Source
from contactkit.launcher.chat import chat_reply, set_typing
from contactkit.launcher.models import ChatPresence, LauncherSettings
from contactkit.launcher.state import launcher_state
from tests.browser.checks import horizontal_overflow
from tests.browser.conftest import select_theme
from tests.browser.demo_pages import LOCALE, PAGES
from tests.browser.test_thread_page import AXE_OPTIONS

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
# A Wednesday without holidays: the chat answers Monday to Friday, 10:00–19:00.
IN_HOURS = dt.datetime(2027, 3, 10, 11, 0, tzinfo=MADRID)
OUT_OF_HOURS = dt.datetime(2027, 3, 10, 21, 30, tzinfo=MADRID)
PHONE = {"width": 360, "height": 740}

BUTTON = "button.ck-launcher__button"
PANEL = "dialog.ck-launcher__panel"
LOG = ".ck-launcher__log"

QUESTION = "Hola, ¿la taza verde <b>grande</b> cabe en el lavavajillas?"
ANSWER = "¡Hola! Sí, todas nuestras tazas van al lavavajillas."


def site():
    return Site.objects.get(is_default_site=True)


def state_at(moment, language="es"):
    return launcher_state(site(), language, now=moment)


def marta():
    user, _ = get_user_model().objects.get_or_create(
        username="marta-chat", defaults={"first_name": "Marta", "email": "marta@example.com"}
    )
    return user


def staff_available(available=True, seen_at=None):
    """Marta is available for chat (as her admin tab's heartbeat says), or not."""
    ChatPresence.objects.update_or_create(
        user=marta(),
        site=site(),
        defaults={"available": available, "seen_at": seen_at or timezone.now()},
    )


def staff_gone():
    ChatPresence.objects.all().delete()


def clear_cache():
    for cache in caches.all():
        cache.clear()


class frozen:
    """The shop's clock at ``moment`` (ticking on), with a clean cache and no staff."""

    def __init__(self, moment):
        self.travel = time_machine.travel(moment, tick=True)

    def __enter__(self):
        self.travel.start()
        clear_cache()
        staff_gone()

    def __exit__(self, *exc):
        staff_gone()
        clear_cache()
        self.travel.stop()


def new_page(browser, base_url, **options):
    context = browser.new_context(viewport=PHONE, locale=LOCALE, base_url=base_url, **options)
    page = context.new_page()
    page.seen_errors = []
    page.on("pageerror", lambda error: page.seen_errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and page.seen_errors.append(m.text))
    return context, page


def open_panel(page):
    page.locator(BUTTON).click()
    page.locator(PANEL).wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('.ck-launcher__body').children.length")


def panel_text(page):
    return " ".join(page.locator(PANEL).inner_text().split())


def fill(page, texts, **values):
    """Type in the panel's fields, found by their labels (``texts``: the panel's words)."""
    for key, value in values.items():
        page.locator(PANEL).get_by_label(texts[key]).fill(value)


def fill_start_form(page, texts, name, email, message):
    page.locator(PANEL).get_by_role("button", name=texts["start_chat"]).click()
    fill(page, texts, your_name=name, your_email=email, message=message)


def start_chat(page, texts, email):
    fill_start_form(page, texts, "Lucía Pérez", email, QUESTION)
    page.locator(".ck-launcher__form button[type=submit]").click()
    page.locator(f"{LOG} .ck-launcher__message--mine").first.wait_for()


def say(page, texts, words):
    """The shopper writes in the chat's send box and presses Enter."""
    fill(page, texts, message=words)
    page.keyboard.press("Enter")
    page.locator(f"{LOG} .ck-launcher__message--mine", has_text=words).wait_for()


def seconds_until(page, selector, text, timeout=5000):
    started = time.monotonic()
    page.locator(selector, has_text=text).first.wait_for(timeout=timeout)
    return time.monotonic() - started


def focus_description(page):
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return [e.tagName.toLowerCase(), e.className, !!e.closest('dialog')]; }"
    )


# --- out of hours ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def out_of_hours(demo, browser):
    """Wednesday 21:30: nobody can answer; the shopper opens the launcher on the home page."""
    seen = {}
    with frozen(OUT_OF_HOURS):
        seen["state"] = state_at(timezone.now())
        context, page = new_page(browser, demo.url)
        try:
            page.goto("/", wait_until="load")
            seen["layout_shift"] = page.evaluate(
                """() => new Promise(resolve => {
                  let total = 0;
                  new PerformanceObserver(list => {
                    for (const entry of list.getEntries()) total += entry.value;
                  }).observe({type: 'layout-shift', buffered: true});
                  setTimeout(() => resolve(total), 300);
                })"""
            )
            # The footer's last link can be scrolled out from under the button.
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            seen["covered"] = page.evaluate(
                """() => {
                  const links = document.querySelectorAll('footer a');
                  const last = links[links.length - 1].getBoundingClientRect();
                  const button = document.querySelector('.ck-launcher__button')
                    .getBoundingClientRect();
                  return !(last.bottom <= button.top || last.top >= button.bottom ||
                           last.right <= button.left || last.left >= button.right);
                }"""
            )
            open_panel(page)
            seen["text"] = panel_text(page)
            title = page.locator(PANEL).get_attribute("aria-labelledby")
            seen["labelled_by"] = page.locator(f"#{title}").inner_text()
            seen["channels"] = page.locator(".ck-launcher__channel .ck-launcher__name")
            seen["channels"] = seen["channels"].all_inner_texts()
            seen["hrefs"] = [
                link.get_attribute("href") for link in page.locator(".ck-launcher__channel").all()
            ]
            seen["chat_buttons"] = page.locator(".ck-launcher__primary").count()
            seen["overflow"] = horizontal_overflow(page)["outside"]
            # Tab goes round the panel's controls; Esc closes it and the button has the focus.
            stops = []
            for _ in range(12):
                page.keyboard.press("Tab")
                stops.append(focus_description(page)[2])
            seen["tab_stays_inside"] = all(stops)
            page.keyboard.press("Escape")
            seen["open_after_escape"] = page.locator(PANEL).is_visible()
            seen["focus_after_escape"] = focus_description(page)
            seen["errors"] = page.seen_errors
        finally:
            context.close()
    return seen


def test_out_of_hours_the_panel_says_nobody_is_there_and_when_the_team_is_back(out_of_hours):
    state = out_of_hours["state"]
    assert state["nobody"] and state["back_at"].startswith("2027-03-11T09:00")
    assert state["nobody"] in out_of_hours["text"]
    assert out_of_hours["labelled_by"] == state["texts"]["title"]
    # No chat to start: the alternatives instead, those that take messages now first.
    assert out_of_hours["chat_buttons"] == 0
    listed = [channel["label"] for channel in state["channels"]]
    open_first = [c["label"] for c in state["channels"] if c["open_now"]] + [
        c["label"] for c in state["channels"] if not c["open_now"]
    ]
    assert out_of_hours["channels"] == open_first
    assert sorted(listed) == sorted(
        ["Atención al cliente", "WhatsApp", "Correo electrónico", "Formulario de contacto"]
    )
    closed = [c for c in state["channels"] if not c["open_now"]]
    assert closed and all(c["status"] in out_of_hours["text"] for c in closed)
    assert any(href.startswith("https://wa.me/") for href in out_of_hours["hrefs"])
    assert any(href.startswith("tel:") for href in out_of_hours["hrefs"])
    assert any(href.startswith("mailto:") for href in out_of_hours["hrefs"])


def test_the_panel_is_a_dialog_the_keyboard_can_leave(out_of_hours):
    assert out_of_hours["tab_stays_inside"]
    assert not out_of_hours["open_after_escape"]
    tag, classes, in_dialog = out_of_hours["focus_after_escape"]
    assert tag == "button" and "ck-launcher__button" in classes and not in_dialog


def test_the_launcher_moves_nothing_and_covers_nothing_on_a_phone(out_of_hours):
    assert out_of_hours["layout_shift"] == 0
    assert not out_of_hours["covered"]
    assert out_of_hours["overflow"] == []
    assert out_of_hours["errors"] == []


# --- in hours, nobody at the chat ------------------------------------------------------------


@pytest.fixture(scope="module")
def in_hours(demo, browser):
    """Wednesday 11:00, on the contact page: the phone is open, nobody is at the chat."""
    seen = {}
    with frozen(IN_HOURS):
        seen["state"] = state_at(timezone.now())
        context, page = new_page(browser, demo.url)
        try:
            page.goto(PAGES["contact"], wait_until="load")
            open_panel(page)
            seen["text"] = panel_text(page)
            seen["chat_buttons"] = page.locator("button.ck-launcher__primary").count()
            seen["first"] = page.locator(".ck-launcher__channel").first.inner_text()
            seen["errors"] = page.seen_errors
        finally:
            context.close()
    return seen


def test_in_hours_the_open_channels_come_first_and_nobody_is_not_said(in_hours):
    state = in_hours["state"]
    assert state["open"] and state["nobody"] is None
    assert not state["chat"]["available"]  # within its hours, but nobody is at it
    assert state["texts"]["chat_unavailable"] in in_hours["text"]
    assert in_hours["chat_buttons"] == 0
    phone = next(c for c in state["channels"] if c["kind"] == "phone")
    assert phone["open_now"]
    assert phone["status"] in in_hours["text"]
    if state["texts"]["reply_time_sentence"]:
        assert state["texts"]["reply_time_sentence"] in in_hours["text"]
    assert in_hours["errors"] == []


# --- a live chat -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chatted(demo, browser):
    """Wednesday 11:00, Marta available: a shopper chats, Marta answers, Marta leaves."""
    seen = {}
    email = "lucia.chat@example.com"
    with frozen(IN_HOURS), select_theme("default"):
        staff_available()
        seen["state"] = state_at(timezone.now())
        context, page = new_page(browser, demo.url)
        try:
            page.goto(PAGES["contact"], wait_until="load")
            texts = seen["state"]["texts"]
            open_panel(page)
            seen["home_axe"] = Axe().run(page, options=AXE_OPTIONS)
            start_chat(page, texts, email)
            conversation = Conversation.objects.get(email=email)
            seen["source"] = conversation.source
            seen["first"] = list(conversation.messages.values_list("kind", "via", "body"))
            seen["log_role"] = page.locator(LOG).get_attribute("role")
            seen["log_live"] = page.locator(LOG).get_attribute("aria-live")
            # What the shopper typed is text, never markup.
            seen["bold"] = page.locator(f"{LOG} b").count()
            seen["mine"] = page.locator(f"{LOG} .ck-launcher__message--mine").first.inner_text()

            # Marta is typing, then answers in her admin: the panel shows both within 2 s.
            set_typing(conversation, "staff")
            page.locator(".ck-launcher__typing").wait_for(state="visible", timeout=2000)
            seen["typing"] = page.locator(".ck-launcher__typing").inner_text()
            staff_available()
            chat_reply(conversation, ANSWER, user=marta())
            seen["answer_seconds"] = seconds_until(page, f"{LOG} .ck-launcher__message", ANSWER)
            answer = page.locator(f"{LOG} .ck-launcher__message", has_text=ANSWER)
            seen["answer"] = answer.inner_text()
            seen["chat_axe"] = Axe().run(page, options=AXE_OPTIONS)
            seen["overflow"] = horizontal_overflow(page)["outside"]

            # The shopper answers from the send box.
            say(page, texts, "¡Genial, gracias!")

            # A reload (or a restarted server) carries on with the same chat.
            page.reload(wait_until="load")
            staff_available()
            open_panel(page)
            page.locator(f"{LOG} .ck-launcher__message", has_text=ANSWER).wait_for(timeout=3000)
            seen["after_reload"] = page.locator(LOG).inner_text()
            say(page, texts, "Una cosa más: ¿y al microondas?")
            seen["conversations"] = Conversation.objects.filter(email=email).count()
            seen["lines"] = list(
                conversation.messages.order_by("created_at", "pk").values_list("kind", "via")
            )

            # Marta's presence expires (her admin tab closed): the shopper is told, with the
            # link to the conversation page, and the chat carries on by email.
            staff_available(seen_at=timezone.now() - timedelta(minutes=5))
            notice = page.locator(".ck-launcher__notice a")
            notice.wait_for(timeout=3000)
            seen["notice"] = page.locator(".ck-launcher__notice").inner_text()
            seen["thread_link"] = notice.get_attribute("href")
            seen["errors"] = page.seen_errors
        finally:
            context.close()
    return seen


def test_a_shopper_starts_a_chat_that_lands_in_the_inbox(chatted):
    assert chatted["source"] == Source.CHAT
    assert chatted["first"] == [(Message.Kind.SHOPPER, Message.Via.CHAT, QUESTION)]
    assert QUESTION in chatted["mine"]
    assert chatted["bold"] == 0
    assert (chatted["log_role"], chatted["log_live"]) == ("log", "polite")


def test_staff_typing_and_answer_reach_the_panel_within_2_seconds(chatted):
    assert chatted["typing"] == chatted["state"]["texts"]["typing"]
    assert chatted["answer_seconds"] < 2
    assert "Marta" in chatted["answer"]


def test_a_reload_carries_on_with_the_same_chat(chatted):
    assert QUESTION in chatted["after_reload"] and ANSWER in chatted["after_reload"]
    assert chatted["conversations"] == 1
    assert chatted["lines"] == [
        (Message.Kind.SHOPPER, Message.Via.CHAT),
        (Message.Kind.REPLY, Message.Via.CHAT),
        (Message.Kind.SHOPPER, Message.Via.CHAT),
        (Message.Kind.SHOPPER, Message.Via.CHAT),
    ]


def test_staff_leaving_mid_chat_is_said_with_the_conversation_page(chatted, demo):
    texts = chatted["state"]["texts"]
    assert texts["staff_left"] in chatted["notice"]
    assert texts["continue_link"] in chatted["notice"]
    assert chatted["thread_link"].startswith(demo.url)
    assert "/conversation/" in chatted["thread_link"] or "/conversacion/" in chatted["thread_link"]


def test_the_open_panel_has_no_axe_violations(chatted):
    for found in (chatted["home_axe"], chatted["chat_axe"]):
        assert found.violations_count == 0, found.generate_report()
    assert chatted["overflow"] == []
    assert chatted["errors"] == []


# --- the widget on another storefront ----------------------------------------------------------


STOREFRONT = """<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Otra tienda</title></head>
<body><main><h1>Tazas en otra tienda</h1><p>Una tienda en Shopify.</p></main>
<script src="{widget}" data-site="{site}" data-lang="es" async></script>
</body></html>"""


@pytest.fixture(scope="module")
def storefront(demo):
    """A storefront on another origin (another port) whose page carries the widget's tag."""
    html = STOREFRONT.format(
        widget=f"{demo.url}/static/contactkit/widget.js", site=site().pk
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def allow(origins):
    setting = LauncherSettings.for_site(site())
    setting.allowed_origins = "\n".join(origins)
    setting.save()


@pytest.fixture(scope="module")
def from_the_widget(demo, browser, storefront):
    """The widget on the listed storefront: a shopper chats; then on storefronts not listed."""
    seen = {}
    email = "widget.chat@example.com"
    with frozen(IN_HOURS):
        staff_available()
        seen["state"] = state_at(timezone.now())
        texts = seen["state"]["texts"]
        seen["storefront"] = storefront
        allow([storefront])
        try:
            context, page = new_page(browser, storefront)
            try:
                page.goto("/", wait_until="load")
                page.locator(BUTTON).wait_for(timeout=5000)
                seen["button"] = page.locator(BUTTON).inner_text()
                open_panel(page)
                start_chat(page, texts, email)
                seen["stored"] = list(
                    Conversation.objects.filter(email=email).values_list("source", flat=True)
                )
                seen["cookies"] = context.cookies()
                seen["errors"] = page.seen_errors
            finally:
                context.close()

            # Not listed: the API refuses the storefront, and the widget shows nothing.
            allow(["https://otra-tienda.example"])
            context, page = new_page(browser, storefront)
            refused = []
            page.on("response", lambda r: "/contactkit/api/" in r.url and refused.append(r.status))
            page.on(
                "requestfailed",
                lambda r: "/contactkit/api/" in r.url and refused.append(r.failure),
            )
            try:
                page.goto("/", wait_until="load")
                page.wait_for_timeout(1500)
                seen["refused_statuses"] = refused
                # What the API answered (the browser kept it from the page: no CORS headers).
                answer = context.request.get(
                    f"{demo.url}/contactkit/api/launcher?site={site().pk}&lang=es",
                    headers={"Origin": storefront},
                )
                seen["refused_answer"] = (answer.status, answer.json()["detail"])
                seen["refused_launchers"] = page.locator(".ck-launcher").count()
            finally:
                context.close()

            # Listed when the page opened, taken off before the shopper sends: the panel says
            # the message could not be sent, and nothing is stored.
            allow([storefront])
            context, page = new_page(browser, storefront)
            try:
                page.goto("/", wait_until="load")
                page.locator(BUTTON).wait_for(timeout=5000)
                open_panel(page)
                fill_start_form(page, texts, "Nadie", "nadie@example.com", "No debería llegar")
                allow([])
                page.locator(".ck-launcher__form button[type=submit]").click()
                error = page.locator(".ck-launcher__form .ck-launcher__error")
                error.wait_for(timeout=3000)
                page.wait_for_function(
                    "() => document.querySelector('.ck-launcher__form .ck-launcher__error')"
                    ".textContent.length > 0"
                )
                seen["send_error"] = error.inner_text()
                seen["not_stored"] = not Conversation.objects.filter(
                    email="nadie@example.com"
                ).exists()
            finally:
                context.close()
        finally:
            allow([])
    return seen


def test_a_message_from_the_widget_on_another_origin_lands_in_the_inbox(from_the_widget):
    assert from_the_widget["button"] in (
        from_the_widget["state"]["texts"].get("button"),
        from_the_widget["state"]["texts"]["title"],
    )
    assert from_the_widget["stored"] == [Source.CHAT]
    assert from_the_widget["cookies"] == []
    assert from_the_widget["errors"] == []


def test_a_storefront_not_listed_is_refused(from_the_widget):
    # The browser got nothing it may give the page, and the API said why.
    assert from_the_widget["refused_statuses"] == ["net::ERR_FAILED"]
    status, detail = from_the_widget["refused_answer"]
    assert status == 403 and from_the_widget["storefront"] in detail
    assert from_the_widget["refused_launchers"] == 0
    assert from_the_widget["send_error"] == from_the_widget["state"]["texts"]["error"]
    assert from_the_widget["not_stored"]


# --- without JavaScript --------------------------------------------------------------------


@pytest.fixture(scope="module")
def without_javascript(demo, browser):
    context, page = new_page(browser, demo.url, java_script_enabled=False)
    try:
        page.goto("/", wait_until="load")
        link = page.locator("a.ck-launcher__button")
        seen = {"visible": link.is_visible()}
        with page.expect_navigation(wait_until="load"):
            link.click()
        seen["url"] = page.url
    finally:
        context.close()
    return seen


def test_without_javascript_the_launcher_is_a_link_to_the_contact_page(without_javascript, demo):
    assert without_javascript["visible"]
    assert without_javascript["url"] == demo.url + PAGES["contact"]


# --- a third party's chat --------------------------------------------------------------------


@pytest.fixture(scope="module")
def third_party(demo, browser):
    """The demo's chat run by Crisp instead: nothing of Crisp's loads before the shopper
    chooses it and confirms, having read whose chat it is."""
    from contactkit.profile.models import ContactChannel

    chats = ContactChannel.objects.filter(site=site(), kind="chat")
    chats.update(chat_provider="crisp", chat_account="5f3c9a2b-demo")
    seen = {"loads": []}
    try:
        with frozen(IN_HOURS):
            texts = state_at(timezone.now())["texts"]
            seen["texts"] = texts
            context, page = new_page(browser, demo.url)
            page.route(
                "https://client.crisp.chat/**",
                lambda route: (
                    seen["loads"].append(route.request.url),
                    route.fulfill(body="", content_type="text/javascript"),
                ),
            )
            try:
                page.goto("/", wait_until="load")
                open_panel(page)
                seen["before"] = len(seen["loads"])
                page.locator(PANEL).get_by_role("button", name="Chat en directo").click()
                seen["consent"] = page.locator(".ck-launcher__consent").inner_text()
                seen["chosen"] = len(seen["loads"])
                page.locator(PANEL).get_by_role("button", name=texts["open_chat"]).click()
                page.wait_for_function("() => window.CRISP_WEBSITE_ID === '5f3c9a2b-demo'")
                page.wait_for_timeout(300)
                seen["confirmed"] = len(seen["loads"])
                seen["panel_open"] = page.locator(PANEL).is_visible()
            finally:
                context.close()
    finally:
        chats.update(chat_provider="contactkit", chat_account="")
    return seen


def test_a_third_party_chat_loads_only_once_chosen_and_confirmed(third_party):
    assert third_party["before"] == third_party["chosen"] == 0
    assert third_party["consent"] == third_party["texts"]["choose_chat"]
    assert "Crisp" in third_party["consent"]
    assert third_party["confirmed"] == 1
    assert not third_party["panel_open"]
