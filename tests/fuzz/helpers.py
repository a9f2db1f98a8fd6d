"""What every fuzz test does: run one example in isolation, and check what a shopper notices.

A server error is never an answer (:func:`no_server_error`); a refusal says why, as a form
error on the page or a JSON ``detail`` (:func:`told`); and nothing is stored by halves
(:func:`stored` before and after).
"""

import json
import os
from contextlib import contextmanager
from pathlib import Path

from django.core.cache import caches
from django.db import transaction
from django.test import Client, RequestFactory
from django.utils import timezone
from hypothesis import event, settings
from wagtail.contrib.forms.utils import get_field_clean_name

from contactkit.inbox.models import Attachment, Conversation, EmailDelivery, InboundEmail, Message
from contactkit.launcher.models import ChatPresence
from contactkit.returns.withdrawal.models import Withdrawal

PROFILE = "contactkit-fuzz"
CI_PROFILE = "contactkit-fuzz-ci"
# The inbound-email webhook's secret in the fuzzed shop.
SECRET = "fuzz-inbound-secret"

# The editor's extra questions: one of every kind Wagtail's form builder has.
EXTRA_QUESTIONS = [
    ("Color favorito", "singleline", "", True),
    ("Comentario largo", "multiline", "", False),
    ("Otro correo", "email", "", False),
    ("Cuántas piezas", "number", "", False),
    ("Tu web", "url", "", False),
    ("Es un regalo", "checkbox", "", False),
    ("Tallas", "checkboxes", "S\nM\nL, XL", False),
    ("País", "dropdown", "España\nPortugal\n日本", False),
    ("Colores", "multiselect", "Rojo\nAzul", False),
    ("Envío", "radio", "Normal\nUrgente", False),
    ("Fecha de entrega", "date", "", False),
    ("Hora de visita", "datetime", "", False),
    ("Campaña", "hidden", "", False),
]
# Their fields' names in the contact form.
EXTRA_FIELDS = [f"extra_{get_field_clean_name(label)}" for label, *_rest in EXTRA_QUESTIONS]


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def fuzz(**overrides):
    """Hypothesis settings for a fuzz test: the profile registered in conftest.py (derandomized
    in CI), with ``overrides`` such as ``max_examples``."""
    return settings(settings.get_profile(CI_PROFILE if in_ci() else PROFILE), **overrides)


@contextmanager
def attempt(shop, **client_options):
    """One example: a fresh client, an empty cache, and every row it writes rolled back.

    Rate limits live in the cache: emptied, each example reaches the code behind them (a
    refusal for sending too fast is a correct answer, but would hide the rest). Staff's
    presence is refreshed so the chat stays open however long the test runs.
    """
    for cache in caches.all():
        cache.clear()
    with transaction.atomic():
        ChatPresence.objects.filter(site=shop.site).update(seen_at=timezone.now())
        yield Client(**client_options)
        transaction.set_rollback(True)


def files_in(root):
    root = Path(root)
    if not root.exists():
        return set()
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def stored(shop):
    """What is stored: rows of everything a shopper can create, and the files on disk."""
    return {
        "conversations": Conversation.objects.count(),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "withdrawals": Withdrawal.objects.count(),
        "inbound emails": InboundEmail.objects.count(),
        "email deliveries": EmailDelivery.objects.count(),
        "files": files_in(shop.files_root),
    }


def describe(response):
    body = b"" if response.streaming else response.content
    return f"{response.status_code} {response.get('Content-Type', '')}: {body[:600]!r}"


def no_server_error(response):
    # Counted per status: ``pytest --hypothesis-show-statistics`` shows how deep examples went.
    event(f"status {response.status_code}")
    assert response.status_code < 500, describe(response)


def is_json(response):
    return response.get("Content-Type", "").startswith("application/json")


def told(response):
    """A refusal the shopper can read: a JSON ``detail`` sentence, or a page with a message."""
    if is_json(response):
        detail = json.loads(response.content).get("detail")
        assert isinstance(detail, str) and detail.strip(), describe(response)
    else:
        assert response.content.strip(), describe(response)


def form_errors_shown(response):
    """The form came back with its errors listed at the top, as the shopper sees them."""
    assert response.status_code == 200, describe(response)
    assert b'class="ck-form__errors"' in response.content, describe(response)


def parsed(path, content_type, body, environ=None):
    """The request Django makes of these bytes: what a form saw (its fields and files)."""
    return RequestFactory().generic(
        "POST", path, body, content_type=content_type, **(environ or {})
    )


def read_stream(response):
    """All of a streamed answer (a file, or an event stream, which the fuzzed shop ends after
    its first events), read to its end as the test client expects: closing one half-read
    would close the database connection that holds this test's transaction."""
    return b"".join(response.streaming_content)


def django_reads(content_type, query):
    """Whether Django can make a request object of these at all.

    It cannot when the content type names a charset and the query string has more fields
    than DATA_UPLOAD_MAX_NUMBER_FIELDS: WSGIRequest's constructor, setting the encoding,
    reads ``GET``, which raises TooManyFieldsSent before Django's handler can turn it into a
    400 (Django 5.2 and 6.1; every Django site answers 500 to it, whatever its views). Not
    contactkit's to fix: such examples are left out, each part is still sent on its own.
    """
    fields = query.count("&") + 1 if query else 0
    return not ("charset" in content_type and fields > 1000)
