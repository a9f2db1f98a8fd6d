"""Every public page of the demo shop as HTML, as the test client gets it, for page-wide checks.

The pages are those ``load_demo_shop`` builds, in each of the shop's languages, plus the two
states of the contact form a shopper only reaches by sending it: sent back with its errors,
and the thank-you page.
"""

import contextlib
import io

from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from wagtail.models import Site

PAGES = {
    "home": "/",
    "contact": "/contacto/",
    "about": "/quienes-somos/",
    "returns": "/devoluciones/",
    "withdrawal-form": "/devoluciones/withdrawal-form/",
    "legal-notice": "/aviso-legal/",
}
LANGUAGES = ("es", "en")

# Every field of the contact form wrong or missing: each error and help text is on the page.
WRONG_FORM = {
    "name": "",
    "email": "not an email",
    "phone": "12",
    "topic": "",
    "message": "",
}


@contextlib.contextmanager
def rendered_demo(django_db_blocker, media_root):
    """{name: (status, html)} of every page (see :func:`demo_pages`), built once in a
    transaction that is rolled back afterwards, so a test module can share them."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root),
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


def demo_pages(client):
    """{name: (status, html)} for every public demo page in every language."""
    pages = {}
    for language in LANGUAGES:
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        for name, path in PAGES.items():
            response = client.get(path, **headers)
            pages[f"{name}-{language}"] = (response.status_code, response.content.decode())
        response = client.post(PAGES["contact"], WRONG_FORM, **headers)
        pages[f"contact-errors-{language}"] = (response.status_code, response.content.decode())
        number = LANGUAGES.index(language) + 1
        response = client.post(PAGES["contact"], valid_message(number), follow=True, **headers)
        assert response.redirect_chain, "the valid message was not accepted"
        pages[f"thanks-{language}"] = (response.status_code, response.content.decode())
    return pages
