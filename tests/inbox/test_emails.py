"""The inbox's emails, sent through a real SMTP server: confirmation, notification, replies,
and nothing lost or sent twice while SMTP is down.

Other ``test_email_*`` modules reuse this module's fixtures by importing ``*_fixture``.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import default_task_backend
from wagtail.models import Locale, Page, Site

from contactkit.conf import contactkit_settings
from contactkit.inbox.emails import (
    BACKOFF_MINUTES,
    SENDING_LEASE,
    build_message,
    queue_new_conversation_emails,
    send_delivery,
    send_due_deliveries,
    send_reply,
)
from contactkit.inbox.models import (
    Attachment,
    Conversation,
    EmailDelivery,
    InboxSettings,
    Message,
    TopicRoute,
)
from contactkit.inbox.tasks import send_email_delivery
from tests.inbox.smtp import mailboxes, smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.profile.builders import channel, profile_for

SHOP = "hola@ceramica.example"
STAFF = ["ventas@ceramica.example", "tienda@ceramica.example"]
COMPLAINTS = "quejas@ceramica.example"
SCRIPT_NAME = "Ana <script>alert(1)</script>"
BODY = "¿La taza grande cabe en el lavavajillas? <b>Gracias</b>"


@pytest.fixture(autouse=True, name="wagtail_root")
def wagtail_root_fixture(db, settings):
    """The page tree's root and the default site, when the test database was built without
    migrations (as now, while the inbox has none): Wagtail's own migrations make them."""
    if Page.get_first_root_node() is None:
        Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.add_root(instance=Page(title="Root", slug="root"))
        Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)


@pytest.fixture(name="shop")
def shop_fixture(site):
    """A Spanish shop with an email channel that answers within a day, and staff to notify."""
    profile_for(site, trade_name="Cerámica Alba")
    channel(site, "email", email=SHOP, reply_time=1440)
    inbox = InboxSettings.for_site(site)
    inbox.notify_emails = "\n".join(STAFF)
    inbox.save()
    TopicRoute.objects.create(settings=inbox, topics=["complaint"], emails=COMPLAINTS)
    return site


@pytest.fixture(name="arrive")
def arrive_fixture(shop, django_capture_on_commit_callbacks):
    """Store a conversation as the contact form does, then let its transaction commit."""

    def arrive(**fields):
        values = {
            "site": shop,
            "topic": "product",
            "name": SCRIPT_NAME,
            "email": "ana@example.com",
            "language": "es",
        } | fields
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                conversation = Conversation.objects.create(**values)
                Message.objects.create(
                    conversation=conversation, kind=Message.Kind.SHOPPER, body=BODY
                )
                queue_new_conversation_emails(conversation)
        return conversation

    return arrive


def addresses(message, header):
    return mailboxes(message, header)


def subject(message):
    # Django 5.2 folds a long encoded subject onto a line of its own, which the parser reads
    # back with a leading space; mail programs show it without.
    return str(message["Subject"]).strip()


def text(message):
    return message.get_content().replace("\r\n", "\n")


def shopper_message_id(conversation):
    return conversation.messages.get(kind=Message.Kind.SHOPPER).email_message_id


def test_a_new_conversation_confirms_to_the_shopper_and_notifies_staff(arrive, smtp_mailer):
    conversation = arrive(language="en")
    thread = shopper_message_id(conversation)

    [confirmation] = smtp_mailer.to("ana@example.com")
    assert subject(confirmation) == f"We have received your message [{conversation.reference}]"
    assert addresses(confirmation, "From") == [("Cerámica Alba", SHOP)]
    assert addresses(confirmation, "To") == [("", "ana@example.com")]
    assert addresses(confirmation, "Reply-To") == [("", SHOP)]
    assert confirmation["In-Reply-To"] == thread
    assert confirmation["References"] == thread
    assert confirmation["Message-ID"] not in ("", thread)
    assert confirmation["Auto-Submitted"] == "auto-generated"
    assert confirmation.get_content_type() == "text/plain"
    body = text(confirmation)
    assert f"Hello {SCRIPT_NAME}," in body
    assert f"> {BODY}" in body
    assert "usually answers within a day" in body
    assert f"Your reference: {conversation.reference}" in body
    assert "&lt;" not in body

    notifications = [smtp_mailer.to(address) for address in STAFF]
    assert notifications[0] == notifications[1] and len(notifications[0]) == 1
    notification = notifications[0][0]
    assert subject(notification) == f"[{conversation.reference}] Question about a product: {BODY}"
    assert addresses(notification, "From") == [("Cerámica Alba", SHOP)]
    assert addresses(notification, "Reply-To") == [(SCRIPT_NAME, "ana@example.com")]
    assert notification["Message-ID"] == thread
    body = text(notification)
    assert f"Name: {SCRIPT_NAME}" in body
    assert "Email: ana@example.com" in body
    assert "Topic: Question about a product" in body
    assert f"Reference: {conversation.reference}" in body
    assert f"Message:\n\n{BODY}\n" in body
    assert "&lt;" not in body

    deliveries = list(conversation.deliveries.order_by("kind"))
    assert [(d.kind, d.recipients, d.state, d.attempts) for d in deliveries] == [
        ("confirmation", ["ana@example.com"], "sent", 1),
        ("notification", STAFF, "sent", 1),
    ]
    assert all(d.sent_at and d.next_attempt_at is None for d in deliveries)


def test_the_notification_lists_every_answer_and_links_to_the_inbox(
    shop, smtp_mailer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = Conversation.objects.create(
            site=shop,
            topic="product",
            name="Ana",
            email="ana@example.com",
            phone="+34600111222",
            order_number="A-1001",
            language="es",
            extra_fields={"Colour": "Terracotta <red>", "Size": "Large"},
        )
        message = Message.objects.create(
            conversation=conversation, kind=Message.Kind.SHOPPER, body="Hola " * 40
        )
        # Only the name and size are told; the file stays in the inbox.
        Attachment.objects.create(
            message=message,
            file="contactkit/x/factura.pdf",
            name="factura <1>.pdf",
            content_type="application/pdf",
            size=2048,
        )
        queue_new_conversation_emails(conversation)
    [notification] = smtp_mailer.to(STAFF[0])
    assert subject(notification).endswith(": Hola Hola Hola Hola Hola Hola Hola Hola…")
    body = text(notification)
    for line in (
        "Phone: +34 600 11 12 22",
        "Order number: A-1001",
        "Language: Spanish",
        "Colour: Terracotta <red>",
        "Size: Large",
        "- factura <1>.pdf (2.0\xa0KB)",
    ):
        assert line in body
    try:
        path = reverse("contactkit_inbox:detail", args=[conversation.pk])
    except NoReverseMatch:
        pytest.skip("the inbox admin has no detail view yet")
    assert f"http://127.0.0.1:8000{path}" in body


def test_the_confirmation_is_in_the_shoppers_language(arrive, smtp_mailer):
    conversation = arrive(language="es")
    [confirmation] = smtp_mailer.to("ana@example.com")
    with translation.override("es"):
        expected = gettext("We have received your message [%(reference)s]")
    assert subject(confirmation) == expected % {"reference": conversation.reference}
    assert "en menos de un día" in text(confirmation)
    # Staff read the site's language, whatever the shopper's.
    [notification] = smtp_mailer.to(STAFF[0])
    assert "Question about a product" in subject(notification)


def test_complaints_go_to_their_own_recipients(arrive, smtp_mailer):
    conversation = arrive(topic="complaint")
    [notification] = smtp_mailer.to(COMPLAINTS)
    assert subject(notification).startswith(f"[{conversation.reference}] Complaint: ")
    assert [smtp_mailer.to(address) for address in STAFF] == [[], []]
    assert conversation.deliveries.get(kind="notification").recipients == [COMPLAINTS]


def test_no_notification_when_nobody_is_to_be_told(arrive, shop, smtp_mailer):
    InboxSettings.objects.filter(site=shop).update(notify_emails="")
    conversation = arrive()
    assert [d.kind for d in conversation.deliveries.all()] == ["confirmation"]
    assert len(smtp_mailer.messages) == 1


@pytest.mark.parametrize("name", ["Ana\r\nBcc: evil@example.com", "Ana\nBcc: evil@example.com"])
def test_a_line_break_in_the_name_adds_no_header_nor_recipient(arrive, smtp_mailer, name):
    conversation = arrive(name=name, topic="complaint")
    assert len(smtp_mailer.envelopes) == 2
    for envelope, message in zip(smtp_mailer.envelopes, smtp_mailer.messages, strict=True):
        assert "evil@example.com" not in envelope.rcpt_tos
        assert not any(line.lower().startswith(b"bcc") for line in envelope.raw.splitlines())
        assert message.get_all("Bcc") is None
    [notification] = smtp_mailer.to(COMPLAINTS)
    assert addresses(notification, "Reply-To") == [("Ana Bcc: evil@example.com", "ana@example.com")]
    assert set(conversation.deliveries.values_list("state", flat=True)) == {"sent"}


def test_replies_are_threaded_and_answer_the_conversation(
    arrive, smtp_mailer, django_user_model, django_capture_on_commit_callbacks
):
    conversation = arrive(language="en")
    thread = shopper_message_id(conversation)
    staff = django_user_model.objects.create_user(username="marta")

    with django_capture_on_commit_callbacks(execute=True):
        first = send_reply(conversation, staff, "Sí, cabe.\nUn saludo, Marta")
    conversation.refresh_from_db()
    answered_at = conversation.first_response_at
    assert answered_at == first.created_at
    assert conversation.status == "waiting"
    assert conversation.first_response_time == answered_at - conversation.created_at

    Message.objects.create(conversation=conversation, kind=Message.Kind.NOTE, body="Llamó.")
    conversation.status = "open"
    conversation.save()
    with django_capture_on_commit_callbacks(execute=True):
        second = send_reply(conversation, staff, "¿Algo más?")
    conversation.refresh_from_db()
    assert conversation.first_response_at == answered_at
    assert conversation.status == "waiting"

    confirmation, reply_1, reply_2 = smtp_mailer.to("ana@example.com")
    expected = f"Re: We have received your message [{conversation.reference}]"
    assert subject(reply_1) == subject(reply_2) == expected
    assert addresses(reply_1, "From") == [("Cerámica Alba", SHOP)]
    assert addresses(reply_1, "Reply-To") == [("", SHOP)]
    # Replies refer to the emails the shopper has: the confirmation, then the earlier replies
    # (not the shopper's message, whose Message-ID is the staff notification's).
    assert confirmation["References"] == thread
    assert reply_1["Message-ID"] == first.email_message_id
    assert reply_1["In-Reply-To"] == confirmation["Message-ID"]
    assert reply_1["References"] == confirmation["Message-ID"]
    assert reply_2["Message-ID"] == second.email_message_id
    assert reply_2["In-Reply-To"] == first.email_message_id
    assert reply_2["References"].split() == [confirmation["Message-ID"], first.email_message_id]
    assert text(reply_1).startswith("Sí, cabe.\nUn saludo, Marta\n")
    assert f"Your reference: {conversation.reference}" in text(reply_1)
    assert reply_1["Auto-Submitted"] is None

    assert list(conversation.messages.values_list("kind", "author")) == [
        ("shopper", None),
        ("reply", staff.pk),
        ("note", None),
        ("reply", staff.pk),
    ]
    replies = conversation.deliveries.filter(kind="reply").order_by("pk")
    assert [(d.message_id, d.state) for d in replies] == [
        (first.pk, "sent"),
        (second.pk, "sent"),
    ]


def test_a_reply_keeps_a_closed_conversation_closed(arrive, smtp_mailer, django_user_model):
    conversation = arrive()
    conversation.status = "closed"
    conversation.save()
    send_reply(conversation, django_user_model.objects.create_user(username="marta"), "Hecho.")
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    assert conversation.first_response_at is not None


def test_messages_arriving_while_smtp_is_down_are_all_stored_and_later_sent_once(
    arrive, smtp_mailer
):
    smtp_mailer.stop()
    shoppers = ["ana@example.com", "luis@example.com", "eva@example.com"]
    conversations = [arrive(email=address, name=address[:3]) for address in shoppers]

    assert Conversation.objects.count() == 3
    assert Message.objects.filter(kind="shopper").count() == 3
    deliveries = EmailDelivery.objects.all()
    assert deliveries.count() == 6
    for delivery in deliveries:
        assert delivery.state == "failed"
        assert delivery.attempts == 1
        assert "ConnectionRefusedError" in delivery.last_error
        assert delivery.next_attempt_at > timezone.now()
    assert smtp_mailer.messages == []

    smtp_mailer.start()
    # Not yet due: the command leaves them for later.
    call_command("contactkit_send_emails", verbosity=0)
    assert smtp_mailer.messages == []

    with time_machine.travel(timezone.now() + timedelta(minutes=BACKOFF_MINUTES[0] + 1)):
        call_command("contactkit_send_emails", verbosity=0)
        for address in shoppers:
            [confirmation] = smtp_mailer.to(address)
            assert any(c.reference in subject(confirmation) for c in conversations)
        assert [len(smtp_mailer.to(address)) for address in STAFF] == [3, 3]
        assert len(smtp_mailer.messages) == 6
        assert set(EmailDelivery.objects.values_list("state", "attempts")) == {("sent", 2)}

        call_command("contactkit_send_emails", verbosity=0)
        assert len(smtp_mailer.messages) == 6


# Real commits: between runs the loop closes stale connections, which would break a test's
# enclosing transaction; serialized_rollback puts back what migrations made for later tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_reports_and_can_loop(arrive, smtp_mailer, capsys):
    smtp_mailer.stop()
    arrive()
    smtp_mailer.start()
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        call_command("contactkit_send_emails", loop=0, max_runs=2)
    assert capsys.readouterr().out.splitlines() == [
        "Sent 2; waiting 0; given up 0.",
        "Sent 0; waiting 0; given up 0.",
    ]
    assert len(smtp_mailer.messages) == 2
    with pytest.raises(CommandError):
        call_command("contactkit_send_emails", loop=-1)


def test_a_delivery_is_never_sent_twice(shop, smtp_mailer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                site=shop, topic="other", name="Eva", email="eva@example.com"
            )
            Message.objects.create(conversation=conversation, kind="shopper", body="Hola")
            confirmation, notification = queue_new_conversation_emails(conversation)
    assert len(callbacks) == 2

    assert send_delivery(confirmation.pk) is True
    assert send_delivery(confirmation.pk) is False
    for callback in callbacks:
        callback()
    send_email_delivery.enqueue(notification.pk)
    assert send_due_deliveries() == 0

    assert len(smtp_mailer.to("eva@example.com")) == 1
    assert len(smtp_mailer.to(STAFF[0])) == 1
    assert len(smtp_mailer.messages) == 2


def test_a_delivery_being_sent_is_left_to_its_worker(arrive, smtp_mailer):
    smtp_mailer.stop()
    delivery = arrive().deliveries.get(kind="confirmation")
    smtp_mailer.start()
    now = delivery.next_attempt_at
    # Another worker claimed it a moment ago, moving its next attempt to the end of its lease.
    EmailDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + SENDING_LEASE)
    assert send_delivery(delivery.pk, now=now) is False
    assert send_due_deliveries(now=now) == 0
    assert smtp_mailer.messages == []
    assert send_delivery(delivery.pk, now=now + SENDING_LEASE) is True


def test_failed_emails_wait_longer_each_time_then_are_given_up(arrive, smtp_mailer):
    smtp_mailer.stop()
    delivery = arrive().deliveries.get(kind="confirmation")
    first_pause = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < first_pause <= timedelta(minutes=1)
    pauses = []
    while delivery.state == "failed":
        now = delivery.next_attempt_at
        assert send_delivery(delivery.pk, now=now - timedelta(seconds=1)) is False
        assert send_delivery(delivery.pk, now=now) is False
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            pauses.append((delivery.next_attempt_at - now) // timedelta(minutes=1))
    assert pauses == [5, 15, 60, 240, 240, 240]
    assert delivery.state == "gave_up"
    assert delivery.attempts == contactkit_settings.EMAIL_MAX_ATTEMPTS == 8
    assert delivery.next_attempt_at is None
    assert "ConnectionRefusedError" in delivery.last_error

    smtp_mailer.start()
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        call_command("contactkit_send_emails", verbosity=0)
        assert send_delivery(delivery.pk) is False
    assert smtp_mailer.to("ana@example.com") == []


def test_the_attempts_before_giving_up_are_a_setting(arrive, smtp_mailer, settings):
    settings.CONTACTKIT_EMAIL_MAX_ATTEMPTS = 2
    smtp_mailer.stop()
    conversation = arrive()
    send_due_deliveries(now=timezone.now() + timedelta(minutes=2))
    assert set(conversation.deliveries.values_list("state", "attempts")) == {("gave_up", 2)}


def test_with_a_backend_that_can_wait_a_failed_send_schedules_its_retry(
    arrive, smtp_mailer, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    smtp_mailer.stop()
    conversation = arrive()
    delivery = conversation.deliveries.get(kind="confirmation")
    queued = default_task_backend.results
    assert [(result.args, result.task.run_after) for result in queued] == [
        ([delivery.pk], None),
        ([conversation.deliveries.get(kind="notification").pk], None),
    ]
    assert delivery.state == "pending"

    assert send_email_delivery.call(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    retry = queued[-1]
    assert (retry.args, retry.task.run_after) == ([delivery.pk], delivery.next_attempt_at)

    smtp_mailer.start()
    with time_machine.travel(retry.task.run_after):
        assert retry.task.call(*retry.args) is True
    assert len(smtp_mailer.to("ana@example.com")) == 1
    assert len(queued) == 3


@pytest.mark.parametrize("status", ["spam", "held"])
def test_spam_and_messages_held_for_review_get_no_email(
    shop, smtp_mailer, django_capture_on_commit_callbacks, status
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        conversation = Conversation.objects.create(
            site=shop, topic="other", name="Bot", email="bot@example.com", status=status
        )
        Message.objects.create(conversation=conversation, kind="shopper", body="Cheap pills")
        assert queue_new_conversation_emails(conversation) == []
    assert callbacks == []
    assert not EmailDelivery.objects.exists()
    assert smtp_mailer.messages == []


def test_without_a_shop_address_emails_come_from_the_default_sender(
    shop, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Tienda <noreply@example.com>"
    shop.contact_channels.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        conversation = Conversation.objects.create(
            site=shop, topic="other", name="Eva", email="eva@example.com"
        )
        Message.objects.create(conversation=conversation, kind="shopper", body="Hola")
        [confirmation, _notification] = queue_new_conversation_emails(conversation)
    email = build_message(confirmation)
    assert email.from_email == "Tienda <noreply@example.com>"
    assert email.reply_to == []
    assert "usually answers" not in email.body


def test_a_long_subject_starts_on_the_subject_line(arrive, smtp_mailer):
    """Django 5.2 wrote a long non-ASCII subject after an empty first line: "Subject: " and a
    line break, which some mail programs show as no subject at all."""
    conversation = arrive(language="en")
    assert len(smtp_mailer.envelopes) == 2
    for envelope in smtp_mailer.envelopes:
        headers = envelope.raw.split(b"\r\n\r\n", 1)[0]
        [line] = [line for line in headers.split(b"\r\n") if line.startswith(b"Subject:")]
        assert line.removeprefix(b"Subject:").strip() != b""
    [notification] = smtp_mailer.to(STAFF[0])
    assert str(notification["Subject"]) == (
        f"[{conversation.reference}] Question about a product: {BODY}"
    )
