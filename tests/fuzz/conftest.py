"""The fuzz tests' hypothesis profiles and the shop they attack.

Profiles: ``contactkit-fuzz`` (random, with hypothesis' example database, so a failure found
once is tried first next time) and ``contactkit-fuzz-ci`` (derandomized, no database: the same
examples on every CI run), chosen by the environment variable CI. Tests take them through
:func:`tests.fuzz.helpers.fuzz`, never by loading a profile globally, so the rest of the
suite keeps its own settings.

Isolation. A hypothesis test runs many examples inside one pytest test, so the shop is built
once per test by the function-scoped :func:`fuzz_shop` fixture and every example runs in
:func:`tests.fuzz.helpers.attempt`: a fresh test client, an empty cache (rate limits, typing,
presence), and a savepoint rolled back afterwards, so one example never sees another's rows.
That is why the function-scoped fixture health check is suppressed: the fixture's data is
meant to be shared by the examples, and what an example changes is undone per example.
"""

import re
import time
import types

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings

from contactkit.inbox import spam, threads
from contactkit.inbox.models import InboundEmail, InboxSettings
from contactkit.launcher import chat, sse
from contactkit.launcher.models import ChatPresence, LauncherSettings
from contactkit.pages.models import ContactFormField
from tests.fuzz import helpers
from tests.fuzz.strategies import STOREFRONT, png
from tests.inbox.builders import (
    attach,
    conversation,
    first_message,
    staff_user,
    use_private_storage,
)
from tests.pages.builders import full_shop
from tests.profile.builders import channel

settings.register_profile(
    helpers.PROFILE,
    max_examples=40,
    deadline=None,
    # function_scoped_fixture: see above. too_slow: drawing strings of thousands of
    # characters and whole multipart bodies is slow by design.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
    # No "explain" phase: it re-runs a failing example hundreds of times to say which lines
    # only failures reach, minutes per failure against a real database.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
settings.register_profile(
    helpers.CI_PROFILE,
    parent=settings.get_profile(helpers.PROFILE),
    derandomize=True,
    database=None,
)


def _withdrawal(client, returns_page):
    """A withdrawal sent through its pages: the path of its receipt."""
    response = client.post(
        returns_page.url + "withdraw/",
        {
            "name": "Ana García",
            "email": "ana@example.com",
            "order_number": "CA-1001",
            "items": "2 tazas azules",
            "started": spam.form_timestamp(time.time() - 60),
            "submission_key": "fuzz-withdrawal",
        },
    )
    assert response.status_code == 200, response.content
    token = BeautifulSoup(response.content, "html.parser").find("input", {"name": "token"})
    response = client.post(returns_page.url + "withdraw/confirm/", {"token": token["value"]})
    assert response.status_code == 303, response.content
    return response["Location"]


@pytest.fixture
def fuzz_shop(site, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    """A complete shop, everything a shopper can reach switched on.

    Contact page with an extra question of every kind, returns page with the withdrawal
    button, about and legal pages; the chat open with Marta available; a storefront allowed to
    show the widget; the inbound-email webhook with a secret; a conversation with a file (its
    page and file route), a chat (its token) and a withdrawal (its receipt). Files go to a
    private folder under ``tmp_path``, which examples compare before and after.
    """
    storage = use_private_storage(settings, tmp_path, monkeypatch)
    monkeypatch.setattr(InboundEmail._meta.get_field("raw"), "storage", storage)
    settings.CONTACTKIT_INBOUND_SECRET = helpers.SECRET
    # An event stream ends after its first events, so an example reads it to its end.
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0)
    settings.CONTACTKIT_ORDER_LOOKUP = "demoshop.orders.lookup"
    pages = full_shop(site, people=1)
    channel(site, "chat", chat_provider="contactkit")
    inbox = InboxSettings.for_site(site)
    inbox.notify_emails = "ventas@ceramica.example"
    inbox.save()
    launcher = LauncherSettings.for_site(site)
    launcher.allowed_origins = STOREFRONT
    launcher.save()
    marta = staff_user("view_conversation", "reply_conversation", username="marta")
    ChatPresence.objects.create(user=marta, site=site, available=True, seen_at=timezone.now())
    contact = pages["contacto"]
    for order, (label, kind, choices, required) in enumerate(helpers.EXTRA_QUESTIONS):
        ContactFormField.objects.create(
            page=contact,
            sort_order=order,
            label=label,
            field_type=kind,
            choices=choices,
            required=required,
        )
    asked = conversation(site, message="¿Cuándo llega mi pedido?")
    photo = attach(first_message(asked), name="foto.png", content=png(), content_type="image/png")
    talk = chat.start_chat(
        site, name="Luis", email="luis@example.com", message="Hola", language="es"
    )
    with django_capture_on_commit_callbacks(execute=False):
        receipt = _withdrawal(Client(), pages["devoluciones"])
    return types.SimpleNamespace(
        site=site,
        contact=contact,
        returns=pages["devoluciones"],
        about=pages["quienes-somos"],
        legal=pages["aviso-legal"],
        conversation=asked,
        attachment=photo,
        thread_token=threads.thread_token(asked),
        chat=talk,
        chat_token=threads.thread_token(talk),
        receipt_token=re.search(r"/receipt/([^/]+)/", receipt)[1],
        # Where shoppers' files and received emails are kept (public media holds only the
        # pages' image renditions, made as pages are first shown).
        files_root=storage.location,
    )


@pytest.fixture(autouse=True)
def quiet_requests(caplog):
    """4xx answers log warnings (django.request): hundreds of lines that say nothing here."""
    caplog.set_level("ERROR", logger="django.request")
