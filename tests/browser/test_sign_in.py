"""Signing in through a real OpenID Connect provider, in Debian's Chromium against the demo
shop served live: a shopper on a phone ("Continue with", a prefilled form, "My messages", signing
out), another shopper who sees none of the first one's conversations, staff proving the shop's
Instagram profile, and staff signing in to the admin.

The provider is tests/oidc.py's (a Django project of its own on 127.0.0.1, with cookie names of
its own: browsers keep cookies by host, not by port), labelled "MiCuenta".

As in the other browser tests, the browsing happens in module-scoped fixtures, outside the
tests' transactions (the live server shares the test database); the tests check what was seen.
"""

import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext
from social_django.models import Association, Code, Nonce, Partial
from wagtail.models import ModelLogEntry, Revision, Site
from wagtail.users.models import UserProfile

from contactkit.accounts import views as account_views
from contactkit.accounts.models import ProfileProof
from contactkit.accounts.pipeline import STAFF_DOMAIN
from contactkit.inbox.models import Conversation
from contactkit.profile.models import ContactChannel
from tests.browser.checks import horizontal_overflow
from tests.browser.conftest import IN_FLIGHT, select_theme
from tests.browser.demo_pages import LOCALE, PAGES
from tests.oidc import DEFAULT_PASSWORD, oidc_provider  # noqa: F401

pytestmark = pytest.mark.django_db

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LABEL = "MiCuenta"
STAFF_DOMAIN_NAME = "ceramica-alba.example"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}

# Shopper A writes once without signing in, then once signed in, from the same address.
A_EMAIL = "lucia.ferrer@example.com"
A_NAME = "Lucía Ferrer"
A_BEFORE = "¿Hacéis envíos a Mallorca? (sin cuenta)"
A_SIGNED_IN = "¿Dónde está mi pedido 4512? (con cuenta)"
B_EMAIL = "tomas.ibanez@example.com"
B_NAME = "Tomás Ibáñez"
B_SIGNED_IN = "¿Tenéis la fuente azul en stock? (Tomás)"

# What the shop's staff sign in with, and the profile the demo's Instagram channel links to
# (load_demo_shop); the provider's ``profile`` claim is what a sign-in proves.
STAFF_USERNAME = "rosa-taller"
STAFF_PASSWORD = "taller-alba-2026"
STAFF_EMAIL = f"rosa@{STAFF_DOMAIN_NAME}"
OTHER_PROFILE = "https://www.instagram.com/otra.tienda.cualquiera/"
CHANGED_PROFILE = "https://www.instagram.com/ceramica.alba.nueva/"


def words(language, message, **values):
    """``message`` as a person reading ``language`` sees it (tags left out): the translation
    when the catalogue has one, the English otherwise."""
    with translation.override(language):
        text = gettext(message)
    return strip_tags(text % values if values else text)


def continue_with(language):
    return words(language, "Continue with %(provider)s", provider=LABEL)


def language_of(page):
    """The language the page says it is in (``<html lang>``), as Django names it."""
    return page.evaluate("document.documentElement.lang").split("-")[0].lower()


def text_of(page, selector="main"):
    return re.sub(r"\s+", " ", page.locator(selector).first.inner_text()).strip()


@dataclass
class Shop:
    url: str  # http://127.0.0.1:PORT
    provider: object
    site: Site
    instagram: ContactChannel
    original_instagram_url: str


def _max_pk(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


# Rows the module's browsing makes, removed at its end (the demo database is shared by every
# browser module): each model's rows above the largest primary key there was before.
CREATED = [Conversation, ProfileProof, Revision, ModelLogEntry, Association, Nonce, Partial, Code]


@pytest.fixture(scope="module")
def shop(demo, oidc_provider):  # noqa: F811
    """The demo shop with sign-in through the local provider: for shoppers, for staff of the
    shop's domain, and for proving Instagram profiles."""
    url = demo.url
    oidc_provider.allow_redirect(url + "/auth/complete/oidc/")
    site = Site.objects.get(is_default_site=True)
    instagram = ContactChannel.objects.get(site=site, kind="instagram")
    User = get_user_model()
    before = {model: _max_pk(model) for model in (*CREATED, User)}
    sessions = set(Session.objects.values_list("session_key", flat=True))
    overrides = override_settings(
        **oidc_provider.rp_settings(),
        CONTACTKIT_SIGN_IN={
            "shoppers": ["oidc"],
            "staff": ["oidc"],
            "staff_email_domains": [STAFF_DOMAIN_NAME],
            "profiles": {"instagram": "oidc"},
            "labels": {"oidc": LABEL},
        },
        # The form's "too fast for a person" check is tested elsewhere; Playwright types fast.
        CONTACTKIT_MIN_FILL_SECONDS=0,
    )
    overrides.enable()
    cache.clear()  # the page cache holds anonymous pages rendered without sign-in
    try:
        yield Shop(url, oidc_provider, site, instagram, instagram.url)
    finally:
        overrides.disable()
        # The requests of closed browsers end before their rows are removed.
        deadline = time.monotonic() + 15
        while IN_FLIGHT.count and time.monotonic() < deadline:
            time.sleep(0.05)
        ContactChannel.objects.filter(pk=instagram.pk).update(url=instagram.url)
        for model in CREATED:
            model.objects.filter(pk__gt=before[model]).delete()
        User.objects.filter(pk__gt=before[User]).delete()
        Session.objects.exclude(session_key__in=sessions).delete()
        cache.clear()


def new_context(browser, *, viewport=PHONE, locale=LOCALE):
    return browser.new_context(viewport=viewport, locale=locale)


class SignInBlocked(AssertionError):
    """A "Continue with" button did not take the browser to the provider."""


def continue_and_sign_in(page, shop, button, username, *, back_to):
    """Press ``button`` (a "Continue with …" locator), log in on the provider's own page (type
    the username and password, press "Sign in"), and wait to be back at the shop's ``back_to``
    (a path, or a pattern). Returns the provider's page heading.

    Raises :class:`SignInBlocked` (saying why, with the browser's Content-Security-Policy
    reports) when the button does not reach the provider."""
    refused = []

    def listen(message):
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    name = button.inner_text().strip()
    where = urlsplit(page.url).path
    page.on("console", listen)
    try:
        button.click()
        deadline = time.monotonic() + 15
        while not page.url.startswith(shop.provider.url + "/") and not refused:
            if time.monotonic() > deadline:
                break
            page.wait_for_timeout(50)
    finally:
        page.remove_listener("console", listen)
    if not page.url.startswith(shop.provider.url + "/"):
        raise SignInBlocked(
            f'"{name}" on {where} did not reach the sign-in provider ({shop.provider.url}); '
            f"the browser stayed at {page.url}. "
            + (f"Chromium refused it: {' | '.join(refused)}" if refused else "")
        )
    page.wait_for_url(f"{shop.provider.url}/accounts/login/**", wait_until="load")
    heading = text_of(page, "h1")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    target = back_to if isinstance(back_to, re.Pattern) else shop.url + back_to
    page.wait_for_url(target, wait_until="load")
    return heading


def reached(seen):
    """Fail the test that needs ``seen`` when its sign-in never reached the provider."""
    assert "blocked" not in seen, seen["blocked"]


def send_contact_form(page, shop, *, message, name=None, email=None):
    """Send the contact form of /contacto/ as a shopper does, filling what is not filled."""
    page.goto(shop.url + PAGES["contact"], wait_until="load")
    if name is not None:
        page.fill("#id_name", name)
    if email is not None:
        page.fill("#id_email", email)
    page.select_option("#id_topic", "product")
    page.fill("#id_message", message)
    page.check("#id_consent")
    with page.expect_navigation(wait_until="load"):
        page.click(".ck-form__submit")
    assert page.url.endswith("/thanks/"), page.url


def listed(page):
    """The conversations on "My messages": title, link, excerpt."""
    return page.eval_on_selector_all(
        "li.ck-conversation",
        """items => items.map(item => {
             const link = item.querySelector('.ck-conversation__title a');
             const excerpt = item.querySelector('.ck-conversation__excerpt');
             return {title: item.querySelector('.ck-conversation__title').innerText.trim(),
                     href: link ? link.getAttribute('href') : '',
                     excerpt: excerpt ? excerpt.innerText.trim() : ''};
           })""",
    )


# --- a shopper on a phone ------------------------------------------------------------------


@pytest.fixture(scope="module")
def shopper_a(shop, browser):
    """Lucía writes without an account, then signs in from the contact page, writes again,
    opens "My messages", each conversation's page, and signs out."""
    shop.provider.add_user("lucia-micuenta", email=A_EMAIL, email_verified=True, name=A_NAME)
    seen = {"errors": []}
    with select_theme("default"):
        context = new_context(browser)
        page = context.new_page()
        page.on("pageerror", lambda error: seen["errors"].append(str(error)))
        try:
            # Before signing in: the form is empty, "Continue with MiCuenta" above it.
            page.goto(shop.url + PAGES["contact"], wait_until="load")
            seen["anonymous_block"] = text_of(page, ".ck-sign-in")
            seen["anonymous_name"] = page.input_value("#id_name")
            send_contact_form(page, shop, message=A_BEFORE, name=A_NAME, email=A_EMAIL)
            seen["before"] = Conversation.objects.get(messages__body=A_BEFORE)

            # Signing in.
            page.goto(shop.url + PAGES["contact"], wait_until="load")
            seen["provider_heading"] = continue_and_sign_in(
                page,
                shop,
                page.locator(".ck-sign-in").get_by_role("button", name=continue_with("es")),
                "lucia-micuenta",
                back_to=PAGES["contact"],
            )
            seen["back_at"] = urlsplit(page.url).path
            seen["name"] = page.input_value("#id_name")
            seen["email"] = page.input_value("#id_email")
            seen["signed_in_block"] = text_of(page, ".ck-sign-in")

            send_contact_form(page, shop, message=A_SIGNED_IN)
            seen["signed_in"] = Conversation.objects.get(messages__body=A_SIGNED_IN)

            # "My messages", from the signed-in block on the contact page.
            page.goto(shop.url + PAGES["contact"], wait_until="load")
            with page.expect_navigation(wait_until="load"):
                page.locator(".ck-sign-in").get_by_role(
                    "link", name=words("es", "My messages")
                ).click()
            seen["account_url"] = urlsplit(page.url).path
            seen["account_heading"] = text_of(page, "h1")
            seen["listed"] = listed(page)
            seen["overflow"] = horizontal_overflow(page)
            seen["axe"] = Axe().run(page, options=AXE_OPTIONS)

            # Each conversation opens on its own page.
            # (Each showing of the list makes fresh links: found again by their title.)
            seen["threads"] = {}
            for item in seen["listed"]:
                link = page.locator(".ck-conversation__title a").filter(has_text=item["title"])
                href = link.get_attribute("href")
                with page.expect_navigation(wait_until="load"):
                    link.click()
                seen["threads"][item["title"]] = {
                    "href": href,
                    "url": urlsplit(page.url).path,
                    "first": text_of(page, ".ck-thread > li"),
                }
                page.go_back(wait_until="load")

            # Signing out, from the contact page's block.
            page.goto(shop.url + PAGES["contact"], wait_until="load")
            with page.expect_navigation(wait_until="load"):
                page.locator(".ck-sign-in").get_by_role(
                    "button", name=words("es", "Sign out")
                ).click()
            seen["signed_out_at"] = urlsplit(page.url).path
            seen["signed_out_block"] = text_of(page, ".ck-sign-in")
            seen["signed_out_name"] = page.input_value("#id_name")
            seen["signed_out_my_messages"] = (
                page.locator(".ck-sign-in")
                .get_by_role("link", name=words("es", "My messages"))
                .count()
            )
            page.goto(shop.url + PAGES["contact"] + "account/", wait_until="load")
            seen["signed_out_account_text"] = text_of(page)
            seen["signed_out_account_buttons"] = page.get_by_role(
                "button", name=continue_with("es")
            ).count()
        except SignInBlocked as error:
            seen["blocked"] = str(error)
        finally:
            context.close()
    return seen


def test_the_shopper_signs_in_from_the_contact_page_on_a_phone(shopper_a):
    assert continue_with("es") in shopper_a["anonymous_block"]
    assert shopper_a["anonymous_name"] == ""
    reached(shopper_a)
    assert shopper_a["provider_heading"] == "Test OpenID provider"
    assert shopper_a["back_at"] == PAGES["contact"]
    # The form starts with her name and the address the provider verified.
    assert shopper_a["name"] == A_NAME
    assert shopper_a["email"] == A_EMAIL
    assert (
        words("es", "Signed in as %(name)s (%(email)s).", name=A_NAME, email=A_EMAIL)
        in shopper_a["signed_in_block"]
    )
    assert continue_with("es") not in shopper_a["signed_in_block"]
    assert shopper_a["errors"] == []


def test_the_message_sent_signed_in_is_marked_as_hers(shopper_a):
    reached(shopper_a)
    sent = shopper_a["signed_in"]
    assert sent.email == A_EMAIL and sent.name == A_NAME
    assert sent.sender_verified
    assert sent.shopper is not None and sent.shopper.contactkit_shopper.email == A_EMAIL
    older = shopper_a["before"]
    assert older.shopper_id is None and not older.sender_verified


def test_my_messages_lists_both_conversations_and_each_opens(shopper_a):
    reached(shopper_a)
    assert shopper_a["account_url"] == PAGES["contact"] + "account/"
    assert shopper_a["account_heading"] == words("es", "My messages")
    listed = {item["excerpt"]: item for item in shopper_a["listed"]}
    # The one sent signed in, and the one sent before from the same address.
    assert set(listed) == {A_SIGNED_IN, A_BEFORE}, shopper_a["listed"]
    for body, conversation in (
        (A_SIGNED_IN, shopper_a["signed_in"]),
        (A_BEFORE, shopper_a["before"]),
    ):
        item = listed[body]
        assert conversation.reference in item["title"]
        assert item["href"].startswith(PAGES["contact"] + "conversation/")
        opened = shopper_a["threads"][item["title"]]
        assert opened["url"] == opened["href"]
        assert body in opened["first"]


def test_my_messages_fits_a_phone_and_has_no_axe_violations(shopper_a):
    reached(shopper_a)
    overflow = shopper_a["overflow"]
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow["outside"]
    assert overflow["outside"] == []
    axe = shopper_a["axe"]
    assert axe.violations_count == 0, axe.generate_report()


def test_signing_out_forgets_the_shopper(shopper_a):
    reached(shopper_a)
    assert shopper_a["signed_out_at"] == PAGES["contact"]
    assert continue_with("es") in shopper_a["signed_out_block"]
    assert shopper_a["signed_out_my_messages"] == 0
    assert shopper_a["signed_out_name"] == ""
    # "My messages" asks to sign in, and shows none of her messages.
    text = shopper_a["signed_out_account_text"]
    assert (
        words(
            "es",
            "Sign in to see every conversation you have had with us, including the ones you "
            "sent before, from the same email address.",
        )
        in text
    )
    assert shopper_a["signed_out_account_buttons"] == 1
    for secret in (A_BEFORE, A_SIGNED_IN, shopper_a["signed_in"].reference):
        assert secret not in text


# --- another shopper -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shopper_b(shop, browser, shopper_a):
    """Tomás signs in from "My messages" in a browser of his own, writes, and looks around with
    his cookies: the contact page, "My messages" and the launcher's API."""
    shop.provider.add_user("tomas-micuenta", email=B_EMAIL, email_verified=True, name=B_NAME)
    seen = {}
    context = new_context(browser)
    page = context.new_page()
    try:
        account = PAGES["contact"] + "account/"
        page.goto(shop.url + account, wait_until="load")
        continue_and_sign_in(
            page,
            shop,
            page.get_by_role("button", name=continue_with("es")),
            "tomas-micuenta",
            back_to=account,
        )
        seen["empty_account_text"] = text_of(page)
        send_contact_form(page, shop, message=B_SIGNED_IN)
        seen["sent"] = Conversation.objects.get(messages__body=B_SIGNED_IN)
        page.goto(shop.url + PAGES["contact"], wait_until="load")
        seen["name"] = page.input_value("#id_name")
        seen["email"] = page.input_value("#id_email")
        seen["contact_html"] = page.content()
        # The stable "My messages" address (for a shop's header) leads to his own.
        page.goto(shop.url + "/contactkit/account/messages/", wait_until="load")
        seen["account_url"] = urlsplit(page.url).path
        seen["account_text"] = text_of(page)
        seen["listed"] = listed(page)
        launcher = context.request.get(
            f"{shop.url}/contactkit/api/launcher?site={shop.site.pk}&lang=es"
        )
        seen["api_status"] = launcher.status
        seen["api_body"] = launcher.text()
    except SignInBlocked as error:
        seen["blocked"] = str(error)
    finally:
        context.close()
    return seen


def test_another_shopper_sees_only_his_own_conversations(shopper_a, shopper_b):
    reached(shopper_a)
    reached(shopper_b)
    assert words("es", "You have not written to us yet.") in shopper_b["empty_account_text"]
    assert shopper_b["name"] == B_NAME and shopper_b["email"] == B_EMAIL
    assert shopper_b["account_url"] == PAGES["contact"] + "account/"
    assert [item["excerpt"] for item in shopper_b["listed"]] == [B_SIGNED_IN]
    assert shopper_b["sent"].reference in shopper_b["listed"][0]["title"]
    secrets = (
        A_EMAIL,
        A_NAME,
        A_BEFORE,
        A_SIGNED_IN,
        shopper_a["before"].reference,
        shopper_a["signed_in"].reference,
        *(item["href"] for item in shopper_a["listed"]),
    )
    for secret in secrets:
        assert secret not in shopper_b["account_text"]
        assert secret not in shopper_b["contact_html"]
        assert secret not in shopper_b["api_body"]
    assert shopper_b["api_status"] == 200


# --- staff prove the shop's Instagram profile ----------------------------------------------


@pytest.fixture(scope="module")
def staff_user(shop):
    """The shop's owner, who uses the admin in English."""
    user = get_user_model().objects.create_superuser(STAFF_USERNAME, STAFF_EMAIL, STAFF_PASSWORD)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def log_in_to_admin(page, shop):
    page.goto(shop.url + "/admin/login/", wait_until="load")
    page.fill("#id_username", STAFF_USERNAME)
    page.fill("#id_password", STAFF_PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.click("form.login-form button[type=submit]")


def open_verified_profiles(page):
    """Settings → Verified social profiles, through the admin's menu."""
    language = language_of(page)
    page.get_by_role("button", name=words(language, "Settings"), exact=True).click()
    # The menu's own item (the dashboard's trust panel links to the same screen too).
    page.get_by_role("link", name=words(language, "Verified social profiles"), exact=True).click()
    page.wait_for_url("**/admin/contactkit/verified-profiles/", wait_until="load")


def profile_row(page, url):
    """The row of the verified profiles screen for the channel linking to ``url``."""
    row = page.locator("table.listing tbody tr").filter(has_text=url)
    return row, re.sub(r"\s+", " ", row.inner_text()).strip()


def prove_instagram(page, shop, username):
    """Staff press "Verify with MiCuenta" on the Instagram row and sign in as ``username``."""
    row, _ = profile_row(page, shop.instagram.url)
    verify = words(language_of(page), "Verify with %(provider)s", provider=LABEL)
    continue_and_sign_in(
        page,
        shop,
        row.get_by_role("button", name=verify),
        username,
        back_to="/admin/contactkit/verified-profiles/",
    )


def about_instagram(browser, shop):
    """What an anonymous shopper sees beside the Instagram link on the About page."""
    context = new_context(browser)
    page = context.new_page()
    try:
        page.goto(shop.url + PAGES["about"], wait_until="load")
        item = page.locator("li.ck-social__item").filter(
            has=page.locator("a.ck-social__link[href*='instagram.com']")
        )
        mark = item.locator(".ck-verified")
        shown = mark.count()
        return {
            "href": item.locator("a").get_attribute("href"),
            "marks": shown,
            "mark": re.sub(r"\s+", " ", mark.inner_text()).strip() if shown else "",
            "datetime": mark.locator("time").get_attribute("datetime") if shown else "",
        }
    finally:
        context.close()


@pytest.fixture(scope="module")
def refused_proof(shop, browser, staff_user):
    """Staff sign in at the provider with an account that manages another profile."""
    shop.provider.add_user(
        "alguien-micuenta", email="alguien@example.com", name="Alguien", profile=OTHER_PROFILE
    )
    seen = {"about_before": about_instagram(browser, shop)}
    context = new_context(browser, viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    try:
        log_in_to_admin(page, shop)
        open_verified_profiles(page)
        prove_instagram(page, shop, "alguien-micuenta")
        seen["language"] = language_of(page)
        seen["messages"] = text_of(page, ".messages")
        seen["row"] = profile_row(page, shop.instagram.url)[1]
    except SignInBlocked as error:
        seen["blocked"] = str(error)
    finally:
        context.close()
    seen["proofs"] = ProfileProof.objects.filter(channel=shop.instagram).count()
    seen["about_after"] = about_instagram(browser, shop)
    return seen


def test_a_sign_in_that_does_not_manage_the_profile_is_refused(shop, refused_proof):
    assert refused_proof["about_before"]["marks"] == 0
    reached(refused_proof)
    language = refused_proof["language"]
    verify = words(language, "Verify with %(provider)s", provider=LABEL)
    assert refused_proof["row"].endswith(f"{words(language, 'Not verified')} {verify}")
    assert refused_proof["proofs"] == 0
    assert refused_proof["about_after"]["marks"] == 0
    # Why, on the screen staff come back to, in its language.
    expected = words(
        language,
        "The account you signed in with does not manage %(url)s. It manages: %(profiles)s. "
        "Sign in with the account that manages the shop's profile, or correct the "
        "channel's link.",
        url=shop.instagram.url,
        profiles=OTHER_PROFILE,
    )
    assert expected in refused_proof["messages"], (
        f"the message is not in the language of the admin screen ({language})"
    )


@pytest.fixture(scope="module")
def proven(shop, browser, staff_user, refused_proof):
    """Staff prove the profile with the account that manages it, then change the channel's
    link in the admin."""
    shop.provider.add_user(
        "alba-instagram",
        email="hola@ceramica-alba.example",
        name="Cerámica Alba",
        profile=shop.instagram.url,
        preferred_username="ceramica.alba.demo",
    )
    seen = {}
    context = new_context(browser, viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    try:
        log_in_to_admin(page, shop)
        open_verified_profiles(page)
        prove_instagram(page, shop, "alba-instagram")
        seen["language"] = language_of(page)
        seen["messages"] = text_of(page, ".messages")
        seen["row"] = profile_row(page, shop.instagram.url)[1]
        seen["proof"] = ProfileProof.objects.filter(channel=shop.instagram).first()
        seen["about_verified"] = about_instagram(browser, shop)

        # The link changes: the profile it names is no longer the one proven.
        with page.expect_navigation(wait_until="load"):
            profile_row(page, shop.instagram.url)[0].get_by_role("link").first.click()
        seen["edit_url"] = urlsplit(page.url).path
        page.fill("input[name=url]", CHANGED_PROFILE)
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name=words(language_of(page), "Save"), exact=True).click()
        seen["saved_messages"] = text_of(page, ".messages")
        seen["url_saved"] = ContactChannel.objects.get(pk=shop.instagram.pk).url
        page.goto(shop.url + "/admin/contactkit/verified-profiles/", wait_until="load")
        seen["row_changed"] = profile_row(page, CHANGED_PROFILE)[1]
    except SignInBlocked as error:
        seen["blocked"] = str(error)
    finally:
        context.close()
    seen["about_changed"] = about_instagram(browser, shop)
    return seen


def test_staff_prove_the_instagram_profile_and_the_about_page_marks_it(shop, staff_user, proven):
    reached(proven)
    proof = proven["proof"]
    assert proof is not None, proven["messages"]
    assert proof.verified_by == staff_user and proof.provider == "oidc"
    language = proven["language"]
    day = timezone.localtime(proof.verified_at).date()
    with translation.override(language):
        admin_date = formats.date_format(day, "DATE_FORMAT")
    assert words(language, "Verified on %(date)s", date=admin_date) in proven["row"]

    # The About page, in Spanish, marks the Instagram link with the day it was proven.
    about = proven["about_verified"]
    assert about["href"] == shop.instagram.url
    assert about["marks"] == 1
    assert about["datetime"] == day.isoformat()
    with translation.override("es"):
        spanish_date = formats.date_format(day, "DATE_FORMAT")
    assert about["mark"] == "✓ " + words(
        "es",
        'Verified on <time datetime="%(iso)s">%(date)s</time>',
        iso=day.isoformat(),
        date=spanish_date,
    )

    # What the screen staff come back to says, in its language.
    assert (
        words(
            language,
            "%(url)s is verified: the shop's pages now show it as the shop's own profile.",
            url=shop.instagram.url,
        )
        in proven["messages"]
    ), f"the message is not in the language of the admin screen ({language})"


def test_changing_the_link_removes_the_mark(shop, proven):
    reached(proven)
    assert proven["edit_url"] == reverse(
        "wagtailsnippets_contactkit_contactchannel:edit", args=[shop.instagram.pk]
    )
    assert proven["url_saved"] == CHANGED_PROFILE, proven["saved_messages"]
    assert (
        words(proven["language"], "Not verified: the link changed after it was proven")
        in proven["row_changed"]
    )
    about = proven["about_changed"]
    assert about["href"] == CHANGED_PROFILE
    assert about["marks"] == 0


# --- staff sign in to the admin --------------------------------------------------------------


def staff_sign_in(browser, shop, username):
    """ "Continue with MiCuenta" on the admin's sign-in page: where it ends, what it says, and
    how many users it made."""
    User = get_user_model()
    users = User.objects.count()
    seen = {}
    context = new_context(browser, viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(shop.url + "/admin/login/", wait_until="load")
        seen["login_language"] = language_of(page)
        continue_and_sign_in(
            page,
            shop,
            page.get_by_role("button", name=continue_with(seen["login_language"])),
            username,
            back_to=re.compile(re.escape(shop.url) + r"/admin/.*"),
        )
        messages = page.locator(".messages")
        seen.update(
            path=urlsplit(page.url).path,
            language=language_of(page),
            login_form=page.locator("form.login-form").count(),
            messages=text_of(page, ".messages") if messages.count() else "",
            sidebar=page.locator("#wagtail-sidebar").count(),
            title=page.title(),
        )
    except SignInBlocked as error:
        seen["blocked"] = str(error)
    finally:
        context.close()
    seen["users_created"] = User.objects.count() - users
    return seen


@pytest.fixture(scope="module")
def staff_signed_in(shop, browser, staff_user):
    shop.provider.add_user("rosa-micuenta", email=STAFF_EMAIL, name="Rosa Alba")
    return staff_sign_in(browser, shop, "rosa-micuenta")


@pytest.fixture(scope="module")
def outsider_refused(shop, browser, staff_user):
    shop.provider.add_user("intruso-micuenta", email="intruso@gmail.example", name="Intruso")
    return staff_sign_in(browser, shop, "intruso-micuenta")


def test_staff_of_the_shops_domain_sign_in_to_the_admin(staff_signed_in):
    reached(staff_signed_in)
    assert staff_signed_in["path"] == "/admin/"
    assert staff_signed_in["login_form"] == 0
    assert staff_signed_in["sidebar"] == 1
    assert staff_signed_in["users_created"] == 0


def test_an_address_of_another_domain_is_refused_on_the_sign_in_page(outsider_refused):
    reached(outsider_refused)
    assert outsider_refused["path"] == "/admin/login/"
    assert outsider_refused["login_form"] == 1
    # Said in the language of the sign-in page it is shown on.
    assert outsider_refused["language"] == outsider_refused["login_language"]
    with translation.override(outsider_refused["language"]):
        refusal = account_views.staff_problem_text(STAFF_DOMAIN)
    assert refusal in outsider_refused["messages"]
    assert outsider_refused["users_created"] == 0
