"""The Content-Security-Policy the demo shop sends, as Chromium enforces it: nothing is refused.

Every public contactkit page in every theme and both languages on a phone (the shop's own
pages, the thank-you page, the shopper's conversation pages, the withdrawal and return pages),
the same pages on contactkit's standalone base template, the launcher and a live chat with
staff, a third-party chat (Crisp) chosen in the launcher, and the inbox admin: its lists, a
conversation with the staff's chat panel, and the profile and settings screens contactkit adds,
used as staff use them (inline rows added, choosers and date pickers opened).

Each page reports, as it runs, every ``securitypolicyviolation`` event (listened for from a
script Playwright adds to each page before the page's own) and every console message about
the policy. The policy is the server's own (django-csp with contactkit.csp), never one added
by the test: each page's response must carry it, without 'unsafe-inline'.
"""

import datetime as dt
import itertools
import zoneinfo
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test.utils import override_settings
from django.urls import reverse
from playwright.sync_api import expect
from wagtail.models import Page, Site

from contactkit.inbox import threads
from contactkit.inbox.models import Conversation, Message, Status
from contactkit.profile.models import ContactChannel
from contactkit.themes import discover
from demoshop.settings.base import mail_settings
from tests.browser.conftest import select_theme
from tests.browser.demo_pages import LOCALE, PAGES, PAGES_EN
from tests.test_csp_headers import assert_strict, parse_policy

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# Forwards each violation to the test (``ckCspViolation`` is exposed by the context).
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.ckCspViolation({
    page: location.pathname,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""

# Recorded by the staff page instead of shown: the desktop notifications and sounds of a new
# chat (as in test_live_chat.py). Added by Playwright, not by the page: the CSP does not apply.
RECORD_ALERTS = """
window.Notification = class {
  constructor() {}
  close() {}
  static requestPermission() { return Promise.resolve("granted"); }
};
window.Notification.permission = "granted";
HTMLMediaElement.prototype.play = function () { return Promise.resolve(); };
"""

# Each language's pages beyond the main four, and the words of the forms' buttons.
MORE_PAGES = {
    "es": {"home": "/", "legal-notice": "/aviso-legal/"},
    "en": {"home": "/en/", "legal-notice": "/en/legal-notice/"},
}
SITE_PAGES = {"es": PAGES, "en": PAGES_EN}

SENDERS = itertools.count(1)


class Watched:
    """A browser context whose pages report every CSP violation and every page's policy."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(**options)
        self.violations = []
        self.errors = []
        # (path, status, Content-Security-Policy) of each page (document) loaded.
        self.documents = []
        self.context.expose_function("ckCspViolation", self._violation)
        self.context.add_init_script(LISTEN)

    def _violation(self, violation):
        self.violations.append(violation)

    def new_page(self):
        page = self.context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", self._response)
        return page

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append({"console": message.text})

    def _response(self, response):
        if response.request.resource_type == "document":
            self.documents.append(
                (
                    urlsplit(response.url).path,
                    response.status,
                    response.headers.get("content-security-policy"),
                )
            )

    def close(self):
        self.context.close()


def goto(page, path):
    response = page.goto(path, wait_until="load")
    # Scripts that run after load (the launcher, the theme's, Wagtail's) have their moment.
    page.wait_for_timeout(150)
    return response


def send_contact_form(page, path):
    """Send the contact form on ``path`` as a shopper does; lands on the thank-you page."""
    goto(page, path)
    page.fill("#id_name", "Elena Martín")
    page.fill("#id_email", f"elena.csp.{next(SENDERS)}@example.com")
    page.select_option("#id_topic", "product")
    page.fill("#id_message", "¿Tenéis la taza verde en tamaño grande?")
    page.check("#id_consent")
    with page.expect_navigation(wait_until="load"):
        page.click(".ck-form__submit")
    assert page.url.endswith("/thanks/"), page.url


def withdraw(page, path):
    """The withdrawal button's way: the statement, its confirmation, the receipt."""
    goto(page, path)
    page.fill("#id_name", "Ana García")
    page.fill("#id_email", f"ana.csp.{next(SENDERS)}@example.com")
    page.fill("#id_order_number", "CA-1002")
    page.fill("#id_items", "1 juego de cuencos")
    # A person takes a few seconds over the form; a robot's instant send is held as spam.
    page.wait_for_timeout(3200)
    with page.expect_navigation(wait_until="load"):
        page.click(".ck-form__submit")
    with page.expect_navigation(wait_until="load"):
        page.locator("main form button[type=submit]").last.click()
    assert page.locator(".ck-reference").count() == 1, page.url


def conversation_for(language):
    """A shopper's conversation with an answer, and the link to its page (committed)."""
    made = Conversation.objects.create(
        site=Site.objects.get(is_default_site=True),
        topic="product",
        name="Elena Martín",
        email=f"elena.hilo.{language}@example.com",
        language=language,
        status=Status.WAITING,
    )
    Message.objects.create(
        conversation=made, kind=Message.Kind.SHOPPER, via=Message.Via.FORM, body="¿Hay envíos?"
    )
    Message.objects.create(
        conversation=made, kind=Message.Kind.REPLY, via=Message.Via.ADMIN, body="Sí, cada día."
    )
    return made, threads.thread_url(made, language)


def visit_public_pages(page, language):
    """Every public contactkit page in ``language``, as a shopper reaches each one."""
    pages = {**SITE_PAGES[language], **MORE_PAGES[language]}
    for name in ("home", "contact", "about", "returns", "legal-notice", "withdrawal-form"):
        goto(page, pages[name])
    returns = pages["returns"]
    goto(page, f"{returns}return-request/")
    send_contact_form(page, pages["contact"])
    _, thread = conversation_for(language)
    goto(page, thread)
    goto(page, f"{pages['contact']}conversation/link/")
    goto(page, thread[:-3] + "xx/")  # a tampered link: its own page, answering 404
    withdraw(page, f"{returns}withdraw/")


def themes():
    return sorted(discover(), key=lambda name: (name != "default", name))


def clear_caches():
    for cache in caches.all():
        cache.clear()


@pytest.fixture(scope="module", autouse=True)
def mail_kept_in_memory(demo):
    """The emails the forms send stay in memory (no mail server is needed here). After the
    demo's own overrides (``demo``), so that the two are undone in the right order."""
    with override_settings(**mail_settings("django.core.mail.backends.locmem.EmailBackend")):
        yield


# --- the public pages, in every theme ---------------------------------------------------------


@pytest.fixture(scope="module", params=themes())
def public(request, demo, browser):
    """Every public page in both languages on a phone, in the theme ``request.param``."""
    watched = Watched(browser, viewport=PHONE, locale=LOCALE, base_url=demo.url)
    try:
        with select_theme(request.param):
            page = watched.new_page()
            for language in ("es", "en"):
                visit_public_pages(page, language)
    finally:
        watched.close()
    return watched


def test_every_public_page_in_every_theme_runs_without_a_violation(public):
    assert public.violations == []
    assert public.errors == []


def test_every_public_page_carries_the_strict_policy_and_needs_no_nonce(public):
    visited = {path: status for path, status, _ in public.documents}
    # Both languages' pages, the thank-you, conversation, withdrawal and return pages.
    for path in ("/contacto/", "/en/contact/", "/aviso-legal/", "/en/returns/withdraw/confirm/"):
        assert path in visited, sorted(visited)
    assert any(path.endswith("/thanks/") for path in visited)
    assert any("/withdraw/receipt/" in path for path in visited)
    assert any("/conversation/" in path and status == 404 for path, status in visited.items())
    for path, _status, header in public.documents:
        assert_strict(header, where=path)


# --- the standalone base template -------------------------------------------------------------


@pytest.fixture(scope="module")
def standalone(demo, browser):
    """The pages on contactkit's own base template (a shop without one of its own)."""
    watched = Watched(browser, viewport=PHONE, locale=LOCALE, base_url=demo.url)
    clear_caches()  # pages stored with the demo's base template
    try:
        with override_settings(CONTACTKIT_BASE_TEMPLATE="contactkit/standalone.html"):
            page = watched.new_page()
            for language in ("es", "en"):
                for path in SITE_PAGES[language].values():
                    goto(page, path)
                    assert page.locator(".ck-standalone-header").count() == 1
                send_contact_form(page, SITE_PAGES[language]["contact"])
    finally:
        clear_caches()
        watched.close()
    return watched


def test_the_standalone_base_runs_without_a_violation(standalone):
    assert standalone.violations == []
    assert standalone.errors == []
    assert len(standalone.documents) >= 10
    for path, _status, header in standalone.documents:
        assert_strict(header, where=path)


# --- the launcher and a live chat, with staff in the admin ------------------------------------


def next_weekday_noon():
    """Noon in Madrid on the next weekday at least a day ahead (the demo's chat is open)."""
    day = dt.datetime.now(MADRID).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=MADRID)


def log_in(page, username, password):
    goto(page, "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")


@pytest.fixture(scope="module")
def chatted(demo, browser):
    """A shopper on a phone opens the launcher and chats; staff answer from the admin."""
    question = "Hola, ¿la taza verde sale hoy?"
    answer = "Sí, sale hoy a las 17:00."
    user_model = get_user_model()
    user_model.objects.filter(username="marta-csp").delete()
    user_model.objects.create_superuser(
        "marta-csp", "marta.csp@example.com", "tienda-2026", first_name="Marta"
    )
    staff = Watched(browser, viewport=DESKTOP, locale=LOCALE, base_url=demo.url)
    shopper = Watched(browser, viewport=PHONE, locale=LOCALE, base_url=demo.url)
    seen = {"staff": staff, "shopper": shopper}
    with time_machine.travel(next_weekday_noon(), tick=True):
        clear_caches()
        try:
            admin = staff.new_page()
            admin.add_init_script(RECORD_ALERTS)
            log_in(admin, "marta-csp", "tienda-2026")
            switch = admin.locator(".ck-chat-switch__button")
            switch.click()
            expect(switch).to_have_attribute("aria-pressed", "true")

            page = shopper.new_page()
            goto(page, PAGES["contact"])
            page.click(".ck-launcher__button")
            panel = page.locator("dialog.ck-launcher__panel")
            panel.locator(".ck-launcher__primary").first.click()
            panel.locator("input[name=name]").fill("Lucía Pérez")
            panel.locator("input[name=email]").fill("lucia.csp@example.com")
            panel.locator("textarea[name=message]").fill(question)
            panel.locator("form button[type=submit]").click()
            shopper_log = panel.locator(".ck-launcher__log")
            expect(shopper_log).to_contain_text(question)

            conversation = Conversation.objects.get(email="lucia.csp@example.com")
            goto(admin, f"/admin/contactkit/inbox/{conversation.pk}/")
            staff_panel = admin.locator("#live-chat-section")
            expect(staff_panel.locator("[role=log]")).to_contain_text(question)
            box = staff_panel.locator("textarea")
            box.fill(answer)
            box.press("Enter")
            expect(shopper_log).to_contain_text(answer, timeout=5000)
            seen["answered"] = True
            # The shopper closes the panel and opens it again on another page.
            goto(page, PAGES["about"])
            page.click(".ck-launcher__button")
            expect(page.locator(".ck-launcher__log")).to_contain_text(answer, timeout=5000)
        finally:
            staff.close()
            shopper.close()
            clear_caches()
    return seen


def test_the_launcher_and_a_live_chat_run_without_a_violation(chatted):
    assert chatted["answered"]
    for side in (chatted["shopper"], chatted["staff"]):
        assert side.violations == []
        assert side.errors == []
    for path, _status, header in chatted["shopper"].documents:
        assert_strict(header, where=path)
    for path, _status, header in chatted["staff"].documents:
        assert_strict(header, where=path, nonce=True)


# --- a third party's chat -------------------------------------------------------------------


CRISP_LOADER = "window.ckCrispLoaded = window.CRISP_WEBSITE_ID;"


@pytest.fixture(scope="module")
def crisp(demo, browser):
    """The demo's chat run by Crisp: its loader (served here by the test, as Crisp's servers
    would) runs once the shopper chooses it and confirms, and nothing is refused."""
    chats = list(ContactChannel.objects.filter(kind="chat"))
    loads = []
    watched = Watched(browser, viewport=PHONE, locale=LOCALE, base_url=demo.url)
    seen = {"watched": watched, "loads": loads}
    try:
        for channel in chats:
            channel.chat_provider, channel.chat_account = "crisp", "5f3c9a2b-demo"
            channel.save()  # saved as the admin does: the policy follows at once
        with time_machine.travel(next_weekday_noon(), tick=True):
            page = watched.new_page()
            page.route(
                "https://client.crisp.chat/**",
                lambda route: (
                    loads.append(route.request.url),
                    route.fulfill(body=CRISP_LOADER, content_type="text/javascript"),
                ),
            )
            goto(page, PAGES["contact"])
            page.click(".ck-launcher__button")
            panel = page.locator("dialog.ck-launcher__panel")
            panel.locator(".ck-launcher__offer .ck-launcher__primary").click()
            panel.locator(".ck-launcher__offer .ck-launcher__primary").click()
            # A function, not an expression: Playwright evals an expression again on each try,
            # which the policy (no 'unsafe-eval') refuses.
            page.wait_for_function("() => window.ckCrispLoaded === '5f3c9a2b-demo'")
            seen["loaded"] = page.evaluate("window.ckCrispLoaded")
    finally:
        for channel in chats:
            channel.chat_provider, channel.chat_account = "contactkit", ""
            channel.save()
        watched.close()
        clear_caches()
    return seen


def test_a_chosen_crisp_chat_loads_under_the_policy_of_its_site(crisp):
    assert crisp["loaded"] == "5f3c9a2b-demo"
    assert crisp["loads"] == ["https://client.crisp.chat/l.js"]
    assert crisp["watched"].violations == []
    [(path, status, header)] = crisp["watched"].documents
    policy = parse_policy(header)
    assert "https://client.crisp.chat" in policy["script-src"]
    assert "wss://client.relay.crisp.chat" in policy["connect-src"]
    assert "'self'" in policy["connect-src"]  # the launcher still reaches the shop's API
    assert "'unsafe-inline'" not in policy["script-src"]


# --- the inbox admin ---------------------------------------------------------------------------


def reveal(page, selector):
    """Show the tab of the admin's form that holds ``selector``, if the form has tabs."""
    panel = page.locator(selector).evaluate("e => e.closest('[role=tabpanel]')?.id || ''")
    if panel:
        page.locator(f"[role=tab][aria-controls='{panel}']").click()


def add_row(page, formset):
    """Add a row to an inline panel (made in the page from its <template>)."""
    reveal(page, f"#id_{formset}-ADD")
    before = page.locator(f"#id_{formset}-FORMS > *").count()
    page.click(f"#id_{formset}-ADD")
    expect(page.locator(f"#id_{formset}-FORMS > *")).to_have_count(before + 1)


def open_chooser(page, field):
    """Open the chooser of ``field`` (its modal loads from the server), then close it."""
    chooser = f"#id_{field}-chooser"
    reveal(page, chooser)
    if not page.locator(f"{chooser} .unchosen").is_visible():
        page.locator(f"{chooser} .w-dropdown__toggle").click()  # chosen: "Change…" is in it
    page.locator(f"{chooser} [data-chooser-action-choose]:visible").first.click()
    dialog = page.locator(".modal-dialog")
    dialog.wait_for(state="visible")
    page.locator(".modal-dialog .modal-body").wait_for(state="visible")
    page.wait_for_timeout(300)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")


@pytest.fixture(scope="module")
def admin(demo, browser):
    """Staff use contactkit's admin screens in Chromium, in Spanish, on a laptop."""
    user_model = get_user_model()
    user_model.objects.filter(username="lucia-csp").delete()
    user_model.objects.create_superuser("lucia-csp", "lucia.csp@example.com", "taller-2026")
    site = Site.objects.get(is_default_site=True)
    conversation = Conversation.objects.order_by("pk").first()
    phone = ContactChannel.objects.filter(kind="phone").first()
    watched = Watched(browser, viewport=DESKTOP, locale=LOCALE, base_url=demo.url)
    done = []
    try:
        page = watched.new_page()
        page.add_init_script(RECORD_ALERTS)
        log_in(page, "lucia-csp", "taller-2026")
        inbox = "/admin/contactkit/inbox/"
        for path in ("", "spam/", "held/", f"{conversation.pk}/", f"{conversation.pk}/history/"):
            goto(page, inbox + path)
        goto(page, inbox + "privacy/")
        done.append("inbox")

        channels = reverse("wagtailsnippets_contactkit_contactchannel:list")
        goto(page, channels)
        goto(page, reverse("wagtailsnippets_contactkit_contactchannel:edit", args=[phone.pk]))
        # Another opening and a special day: rows made in the page from their templates.
        add_row(page, "hours")
        add_row(page, "exceptions")
        new_day = page.locator("input[id^='id_exceptions-'][id$='-date']").last
        new_day.click()
        page.locator(".xdsoft_datetimepicker:visible").first.wait_for()
        page.keyboard.press("Escape")
        open_chooser(page, "page")
        done.append("channel")
        goto(page, reverse("wagtailsnippets_contactkit_contactchannel:add"))
        goto(page, reverse("wagtailsnippets_contactkit_cannedreply:list"))
        goto(page, reverse("wagtailsnippets_contactkit_cannedreply:add"))

        def setting(model):
            return reverse("wagtailsettings:edit", args=["contactkit", model, site.pk])

        goto(page, setting("storeprofile"))
        add_row(page, "people")
        open_chooser(page, "logo")
        done.append("profile")
        goto(page, setting("inboxsettings"))
        open_chooser(page, "privacy_page")
        done.append("inbox settings")
        for model in ("launchersettings", "returnpolicy", "themesettings"):
            goto(page, setting(model))
        goto(page, "/admin/")
        page.locator(".ck-chat-switch__button").click()
        expect(page.locator(".ck-chat-switch__button")).to_have_attribute("aria-pressed", "true")
        page.locator(".ck-chat-switch__button").click()
        done.append("switch")
    finally:
        watched.close()
    return watched, done


def test_the_inbox_admin_runs_without_a_violation(admin):
    watched, done = admin
    assert done == ["inbox", "channel", "profile", "inbox settings", "switch"]
    assert watched.violations == []
    assert watched.errors == []


def test_the_admin_allows_only_the_nonce_of_wagtails_own_widget_scripts(admin):
    watched, _ = admin
    nonced = set()
    for path, _status, header in watched.documents:
        assert_strict(header, where=path, nonce=True)
        if "'nonce-" in header:
            nonced.add(path)
    # Screens with Wagtail's choosers, inline rows and date pickers: those need the nonce;
    # the inbox's own screens write no inline script at all, so theirs has none.
    assert any("/channels/edit/" in path for path in nonced), nonced
    assert not any(path.startswith("/admin/contactkit/inbox/") for path in nonced), nonced


# --- Wagtail's own page editor ---------------------------------------------------------------


@pytest.fixture(scope="module")
def page_editor(demo, browser):
    """The contact page in Wagtail's page editor, with its preview panel open."""
    user_model = get_user_model()
    user_model.objects.filter(username="pablo-csp").delete()
    user_model.objects.create_superuser("pablo-csp", "pablo.csp@example.com", "taller-2026")
    contact = Page.objects.get(url_path__endswith="/contacto/", locale__language_code="es")
    watched = Watched(browser, viewport=DESKTOP, locale=LOCALE, base_url=demo.url)
    try:
        page = watched.new_page()
        log_in(page, "pablo-csp", "taller-2026")
        goto(page, reverse("wagtailadmin_pages:edit", args=[contact.pk]))
        page.click("button[data-side-panel-toggle='preview']")
        page.frame_locator("#w-preview-iframe").locator("h1").first.wait_for()
        page.wait_for_timeout(300)
    finally:
        watched.close()
    return watched


def test_wagtails_page_editor_runs_its_scripts_and_only_draftails_style_elements_are_refused(
    page_editor,
):
    """Wagtail 8's rich text editor (Draftail, in wagtailadmin/js/vendor.js) writes two <style>
    elements of its own: the empty paragraph's placeholder and the nested lists' counters.
    Under ``style-src 'self'`` they are refused (the placeholder is not shown, nested lists
    number from 1): the one thing of Wagtail's that the policy stops. Everything else,
    scripts included, runs. See docs/csp.md."""
    refused = [
        (violation.get("directive"), violation.get("blocked"), violation.get("source", ""))
        for violation in page_editor.violations
        if "console" not in violation
    ]
    assert refused, "Wagtail's editor no longer writes <style> elements: update docs/csp.md"
    for directive, blocked, source in refused:
        assert (directive, blocked) == ("style-src-elem", "inline"), refused
        assert source.endswith("/wagtailadmin/js/vendor.js"), refused
    assert page_editor.errors == []
    for path, _status, header in page_editor.documents:
        assert_strict(header, where=path, nonce=True)
