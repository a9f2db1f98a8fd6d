"""Message-IDs name the shop's own site, and the shopper's mail program shows the
confirmation and every reply as one thread, referring only to emails the shopper has."""

import pytest
from django.utils.encoding import punycode

from contactkit.inbox.emails import send_reply
from contactkit.inbox.models import Message
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.inbox.test_emails import (  # noqa: F401
    STAFF,
    arrive_fixture,
    shop_fixture,
    wagtail_root_fixture,
)

SHOPPER = "ana@example.com"


def message_ids(header_value):
    return (header_value or "").split()


def reply(conversation, staff, body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return send_reply(conversation, staff, body)


@pytest.mark.parametrize(
    ("hostname", "domain"),
    [("ceramica-alba.example", "ceramica-alba.example"), ("cerámica.example", None)],
)
def test_message_ids_name_the_shops_site(
    shop,
    arrive,
    smtp_mailer,
    django_user_model,
    django_capture_on_commit_callbacks,
    hostname,
    domain,
):
    shop.hostname = hostname
    shop.save()
    domain = domain or punycode(hostname)
    conversation = arrive()
    staff = django_user_model.objects.create_user(username="marta")
    reply(conversation, staff, "Hola", django_capture_on_commit_callbacks)

    assert len(smtp_mailer.messages) == 3  # confirmation, notification, reply
    for received in smtp_mailer.messages:
        assert received["Message-ID"].endswith(f"@{domain}>")
        assert "contactkit.local" not in received["Message-ID"]
    assert all(
        message_id.endswith(f"@{domain}>")
        for message_id in Message.objects.values_list("email_message_id", flat=True)
    )


def test_the_message_id_domain_setting_wins_over_the_site(arrive, smtp_mailer, settings):
    settings.CONTACTKIT_MESSAGE_ID_DOMAIN = "mail.ceramica.example"
    arrive()
    assert len(smtp_mailer.messages) == 2
    for received in smtp_mailer.messages:
        assert received["Message-ID"].endswith("@mail.ceramica.example>")


def test_replies_refer_to_the_confirmation_and_only_to_emails_the_shopper_got(
    arrive, smtp_mailer, django_user_model, django_capture_on_commit_callbacks
):
    conversation = arrive()
    staff = django_user_model.objects.create_user(username="marta")
    for body in ("Primera respuesta", "Segunda respuesta", "Tercera respuesta"):
        reply(conversation, staff, body, django_capture_on_commit_callbacks)

    confirmation, *replies = smtp_mailer.to(SHOPPER)
    assert len(replies) == 3
    got = [confirmation["Message-ID"]]
    for answer in replies:
        references = message_ids(answer["References"])
        in_reply_to = message_ids(answer["In-Reply-To"])
        assert confirmation["Message-ID"] in references
        # Each reply answers the last email the shopper got and refers to all before it.
        assert in_reply_to == [got[-1]]
        assert references == got
        got.append(answer["Message-ID"])


def test_a_reply_after_a_reply_that_was_given_up_skips_it(
    arrive, smtp_mailer, django_user_model, django_capture_on_commit_callbacks
):
    conversation = arrive()
    staff = django_user_model.objects.create_user(username="marta")
    smtp_mailer.refuse(SHOPPER, "550 5.2.2 Mailbox full")
    lost = reply(conversation, staff, "No llegará", django_capture_on_commit_callbacks)
    assert lost.deliveries.get().state == "gave_up"
    smtp_mailer.accept(SHOPPER)
    reply(conversation, staff, "Esta sí", django_capture_on_commit_callbacks)

    confirmation, answer = smtp_mailer.to(SHOPPER)
    assert message_ids(answer["References"]) == [confirmation["Message-ID"]]
    assert lost.email_message_id not in answer["References"]


def test_staff_answering_the_notification_from_their_mail_program_reach_the_shoppers_thread(
    arrive, smtp_mailer
):
    arrive()
    [notification] = smtp_mailer.to(STAFF[0])
    [confirmation] = smtp_mailer.to(SHOPPER)
    # "Reply" in staff's mail program writes to the shopper, In-Reply-To the notification: the
    # confirmation the shopper has refers to that Message-ID, so the answer joins its thread.
    assert [address.addr_spec for address in notification["Reply-To"].addresses] == [SHOPPER]
    assert notification["Message-ID"] in message_ids(confirmation["References"])
    assert notification["Message-ID"] in message_ids(confirmation["In-Reply-To"])


def test_a_reply_to_a_message_held_for_review_refers_to_nothing_the_shopper_never_got(
    arrive, smtp_mailer, django_user_model, django_capture_on_commit_callbacks
):
    conversation = arrive(status="held")
    assert smtp_mailer.messages == []
    staff = django_user_model.objects.create_user(username="marta")
    reply(conversation, staff, "Hola, ya lo vemos.", django_capture_on_commit_callbacks)
    [answer] = smtp_mailer.to(SHOPPER)
    assert answer["In-Reply-To"] is None
    assert answer["References"] is None
