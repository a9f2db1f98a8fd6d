"""Shoppers whose address is internationalised get every email: an IDN domain
(``maria@peña.example``) and, where the mail server offers SMTPUTF8, accents before the @
(``josé@ejemplo.es``). Without SMTPUTF8 such an address is refused and the refusal shown."""

import pytest
from django.utils.encoding import punycode

from contactkit.inbox.emails import send_reply
from tests.inbox.smtp import mailboxes, smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.inbox.test_emails import (  # noqa: F401
    STAFF,
    arrive_fixture,
    shop_fixture,
    text,
    wagtail_root_fixture,
)

IDN = "maria@peña.example"
IDN_ASCII = f"maria@{punycode('peña.example')}"  # maria@xn--pea-8ma.example
UTF8 = "josé@ejemplo.es"


def reply(conversation, django_user_model, django_capture_on_commit_callbacks, body):
    staff = django_user_model.objects.create_user(username="marta")
    with django_capture_on_commit_callbacks(execute=True):
        return send_reply(conversation, staff, body)


@pytest.mark.parametrize("smtputf8", [True, False], ids=["smtputf8", "no-smtputf8"])
def test_a_shopper_at_an_idn_domain_gets_every_email_and_staff_can_answer(
    arrive,
    smtp_mailer,
    django_user_model,
    django_capture_on_commit_callbacks,
    smtputf8,
):
    smtp_mailer.stop()
    smtp_mailer.start(smtputf8=smtputf8)
    conversation = arrive(email=IDN, name="María Peña", language="en")

    # The mail server is asked for the domain in punycode, which every server takes.
    [confirmation] = smtp_mailer.to(IDN_ASCII)
    assert mailboxes(confirmation, "To") == [("", IDN_ASCII)]
    assert "Hello María Peña," in text(confirmation)
    [notification] = smtp_mailer.to(STAFF[0])
    # Staff's "Reply" in their mail program goes to the shopper.
    assert mailboxes(notification, "Reply-To") == [("María Peña", IDN_ASCII)]
    assert f"Email: {IDN}" in text(notification)
    assert set(conversation.deliveries.values_list("state", "attempts")) == {("sent", 1)}

    reply(conversation, django_user_model, django_capture_on_commit_callbacks, "¡Hola!")
    [_confirmation, answer] = smtp_mailer.to(IDN_ASCII)
    assert text(answer).startswith("¡Hola!\n")
    assert conversation.deliveries.get(kind="reply").state == "sent"
    assert all(b"SMTPUTF8" not in envelope.raw for envelope in smtp_mailer.envelopes)


def test_a_shopper_with_accents_before_the_at_gets_every_email_with_smtputf8(
    arrive, smtp_mailer, django_user_model, django_capture_on_commit_callbacks
):
    conversation = arrive(email=UTF8, name="José", language="es")

    [confirmation] = smtp_mailer.to(UTF8)
    assert mailboxes(confirmation, "To") == [("", UTF8)]
    assert UTF8.encode() in smtp_mailer.envelopes[0].raw
    [notification] = smtp_mailer.to(STAFF[0])
    assert mailboxes(notification, "Reply-To") == [("José", UTF8)]
    assert set(conversation.deliveries.values_list("state", flat=True)) == {"sent"}
    assert conversation.deliveries.get(kind="confirmation").accepted == [UTF8]

    reply(conversation, django_user_model, django_capture_on_commit_callbacks, "Hecho.")
    [_confirmation, answer] = smtp_mailer.to(UTF8)
    assert mailboxes(answer, "To") == [("", UTF8)]
    assert conversation.deliveries.get(kind="reply").state == "sent"


def test_an_idn_shopper_with_accents_before_the_at_gets_the_domain_in_punycode(arrive, smtp_mailer):
    address = "josé@peña.example"
    conversation = arrive(email=address, name="José")
    [confirmation] = smtp_mailer.to(f"josé@{punycode('peña.example')}")
    assert mailboxes(confirmation, "To") == [("", address)]
    assert set(conversation.deliveries.values_list("state", flat=True)) == {"sent"}


def test_without_smtputf8_accents_before_the_at_are_refused_and_shown_not_garbled(
    arrive, smtp_mailer
):
    smtp_mailer.stop()
    smtp_mailer.start(smtputf8=False)
    conversation = arrive(email=UTF8, name="José", language="es")

    # The shopper cannot be written to through this server: nothing is sent to an encoded
    # look-alike of the address, and the confirmation is given up, saying why.
    assert smtp_mailer.to(UTF8) == []
    assert all(envelope.rcpt_tos == STAFF for envelope in smtp_mailer.envelopes)
    confirmation = conversation.deliveries.get(kind="confirmation")
    assert confirmation.state == "gave_up"
    assert confirmation.next_attempt_at is None
    assert confirmation.accepted == []
    assert list(confirmation.refused) == [UTF8]
    assert confirmation.refused[UTF8].startswith("553 5.6.7 ")
    assert UTF8 in confirmation.last_error
    assert "SMTPUTF8" in confirmation.last_error

    # Staff are still told, with the shopper's address in the text to answer from the inbox.
    [notification] = smtp_mailer.to(STAFF[0])
    assert notification["Reply-To"] is None
    assert f"Email: {UTF8}" in text(notification)
    assert conversation.deliveries.get(kind="notification").state == "sent"
