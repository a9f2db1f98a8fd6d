"""Every public page of the demo shop as HTML, as the test client gets it, for page-wide checks.

The pages are those ``load_demo_shop`` builds, in each of the shop's languages, plus the two
states of the contact form a shopper only reaches by sending it: sent back with its errors,
and the thank-you page; and the shopper's conversation page (with an error, its "new link"
form, and what a tampered link shows). The demo is built and visited with its own language
setup (see :func:`demo_languages`): the address decides the language, Spanish pages at
/contacto/ and English ones at /en/contact/.
"""

import contextlib
import io
import re

from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import clear_url_caches
from wagtail.models import Site

from contactkit.inbox import threads
from contactkit.inbox.models import Conversation

# The demo's default language (demoshop.settings.base; the tests' own is English).
DEMO_LANGUAGE_CODE = "es"
LANGUAGES = ("es", "en")
# Each page's address in each language.
PAGES = {
    "home": {"es": "/", "en": "/en/"},
    "contact": {"es": "/contacto/", "en": "/en/contact/"},
    "about": {"es": "/quienes-somos/", "en": "/en/about-us/"},
    "returns": {"es": "/devoluciones/", "en": "/en/returns/"},
    "withdrawal-form": {
        "es": "/devoluciones/withdrawal-form/",
        "en": "/en/returns/withdrawal-form/",
    },
    "legal-notice": {"es": "/aviso-legal/", "en": "/en/legal-notice/"},
    "withdraw": {"es": "/devoluciones/withdraw/", "en": "/en/returns/withdraw/"},
    "return-request": {"es": "/devoluciones/return-request/", "en": "/en/returns/return-request/"},
}

# The states a shopper reaches only by doing something: the contact form sent back with its
# errors and its thank-you page; their conversation page, with an error, its "new link" form,
# and what a tampered link shows (the one page of these that answers 404, on purpose).
STATES = (
    "contact-errors",
    "thanks",
    "thread",
    "thread-errors",
    "thread-new-link",
    "thread-tampered",
    "account",
    "account-signed-in",
    "contact-signed-in",
)
NOT_FOUND = {"thread-tampered": 404}

# Every field of the contact form wrong or missing: each error and help text is on the page.
WRONG_FORM = {
    "name": "",
    "email": "not an email",
    "phone": "12",
    "topic": "",
    "message": "",
}


@contextlib.contextmanager
def demo_languages():
    """The demo's own language setup while the block runs: Spanish by default (no prefix),
    English at /en/.

    Django's URL resolver keeps the prefix ``i18n_patterns`` gives each language from the
    first URL it reversed in it, whatever LANGUAGE_CODE is later: without clearing its caches
    on the way in and out, a Spanish page would keep a /es/ address the tests' English default
    gave it, or the other way round.
    """
    try:
        with override_settings(LANGUAGE_CODE=DEMO_LANGUAGE_CODE):
            clear_url_caches()
            yield
    finally:
        clear_url_caches()


@contextlib.contextmanager
def rendered_demo(django_db_blocker, media_root):
    """{name: (status, html)} of every page (see :func:`demo_pages`), built once in a
    transaction that is rolled back afterwards, so a test module can share them."""
    with (
        django_db_blocker.unblock(),
        # Shopper sign-in on (docs/sign-in.md): "Continue with …" before the forms, and the
        # "My messages" page. Nothing here asks the provider anything.
        override_settings(
            MEDIA_ROOT=media_root,
            CONTACTKIT_SIGN_IN={"shoppers": ["oidc"], "labels": {"oidc": "MiCuenta"}},
            SOCIAL_AUTH_OIDC_OIDC_ENDPOINT="https://accounts.example",
        ),
        demo_languages(),
        transaction.atomic(),
    ):
        try:
            call_command("load_demo_shop", stdout=io.StringIO())
            site = Site.objects.get(is_default_site=True)
            site.hostname, site.port = "testserver", 80
            site.save()
            yield demo_pages(Client())
        finally:
            transaction.set_rollback(True)
            for cache in caches.all():
                cache.clear()


def valid_message(number=1):
    return {
        "name": "Elena Martín",
        "email": f"elena.{number}@example.com",
        "topic": "product",
        "message": "¿Tenéis la taza verde en tamaño grande?",
        "consent": "on",
    }


def _page(response):
    return response.status_code, response.content.decode()


def _shopper(message):
    """A shopper signed in with a provider that verified the address ``message`` came from."""
    from django.contrib.auth import get_user_model

    from contactkit.accounts.models import ShopperAccount

    user = get_user_model().objects.create(username=f"shopper-{message['email']}")
    ShopperAccount.objects.create(
        user=user,
        name=message["name"],
        email=message["email"],
        email_verified=True,
        provider="oidc",
    )
    return user


def demo_pages(client):
    """{name: (status, html)} for every public demo page in every language, at its address in
    that language (the address decides the language, not the browser's Accept-Language)."""
    pages = {}
    for language in LANGUAGES:
        for name, paths in PAGES.items():
            response = client.get(paths[language])
            pages[f"{name}-{language}"] = (response.status_code, response.content.decode())
        contact = PAGES["contact"][language]
        response = client.post(contact, WRONG_FORM)
        pages[f"contact-errors-{language}"] = (response.status_code, response.content.decode())
        number = LANGUAGES.index(language) + 1
        response = client.post(contact, valid_message(number), follow=True)
        assert response.redirect_chain, "the valid message was not accepted"
        assert response.redirect_chain[-1][0].startswith(contact), response.redirect_chain
        pages[f"thanks-{language}"] = (response.status_code, response.content.decode())
        # The shopper's conversation page from the link they got, with a reply sent back
        # empty (its error), the "new link" form, and a tampered link.
        conversation = Conversation.objects.get(email=valid_message(number)["email"])
        thread = re.sub(r"^https?://[^/]+", "", threads.thread_url(conversation, language))
        for name, response in (
            ("thread", client.get(thread)),
            ("thread-errors", client.post(thread, {"message": "", "website": ""})),
            ("thread-new-link", client.get(f"{contact}conversation/link/")),
            ("thread-tampered", client.get(thread[:-3] + "xx/")),
        ):
            pages[f"{name}-{language}"] = (response.status_code, response.content.decode())
        # "My messages": the ways to sign in (after a sign-in that did not happen), then signed
        # in as the shopper who just wrote, with the contact page as they see it.
        account = f"{contact}account/"
        pages[f"account-{language}"] = _page(client.get(account, {"problem": "expired"}))
        client.force_login(_shopper(valid_message(number)))
        pages[f"account-signed-in-{language}"] = _page(client.get(account))
        pages[f"contact-signed-in-{language}"] = _page(client.get(contact))
        client.logout()
    for name, (status, html) in pages.items():
        language = name.rsplit("-", 1)[1]
        assert status != 200 or f'<html lang="{language}">' in html, f"{name} is not in {language}"
    return pages
