"""A shopper writing again in their conversation (by email, on their conversation page): the
message is stored, the conversation reopens, History says so and staff are told by email."""

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from contactkit.inbox import actions
from contactkit.inbox.followups import add_shopper_message, file_not_kept_reason
from contactkit.inbox.forms import file_problem
from contactkit.inbox.models import Conversation, EmailDelivery, Message, Status
from tests.inbox import builders
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.inbox.test_emails import (  # noqa: F401
    STAFF,
    arrive_fixture,
    shop_fixture,
    subject,
    text,
    wagtail_root_fixture,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7"
    b"\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path, monkeypatch):
    builders.use_private_storage(settings, tmp_path, monkeypatch)


def follow_ups(smtp_mailer, address):
    """The emails to ``address`` about the shopper writing again (not the first notification)."""
    return [email for email in smtp_mailer.to(address) if "follow-up." in email["Message-ID"]]


def write_again(conversation, body, capture, **kwargs):
    with capture(execute=True):
        with transaction.atomic():
            return add_shopper_message(conversation, body, **kwargs)


@pytest.mark.parametrize("status", [Status.WAITING, Status.CLOSED])
def test_a_new_message_reopens_the_conversation_and_tells_staff(
    arrive, smtp_mailer, status, django_capture_on_commit_callbacks
):
    conversation = arrive(topic="product")
    Conversation.objects.filter(pk=conversation.pk).update(status=status)
    conversation.refresh_from_db()

    message = write_again(
        conversation,
        "Sigue sin llegar <b>nada</b>",
        django_capture_on_commit_callbacks,
        via=Message.Via.EMAIL,
        original="Sigue sin llegar <b>nada</b>\n\n> lo de antes",
        email_message_id="<reply-1@mail.example>",
    )

    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.closed_at is None
    assert (message.kind, message.via, message.email_message_id) == (
        "shopper",
        "email",
        "<reply-1@mail.example>",
    )
    assert message.original.endswith("> lo de antes")
    # History tells staff, in their words, how the shopper wrote and what changed.
    entry = ModelLogEntry.objects.filter(action=actions.SHOPPER_MESSAGE).get()
    with translation.override("en"):
        assert entry.message.startswith("The shopper wrote again (Email); status changed")
    # Everyone told about the topic hears of it, in one email, threaded with the first one.
    [email] = follow_ups(smtp_mailer, STAFF[0])
    assert conversation.reference in subject(email)
    body = text(email)
    assert "Sigue sin llegar <b>nada</b>" in body
    assert conversation.thread_message_id in email["References"]
    assert email["Reply-To"].endswith("<ana@example.com>")
    delivery = EmailDelivery.objects.get(kind=EmailDelivery.Kind.FOLLOW_UP)
    assert (delivery.message, delivery.state) == (message, "sent")


def test_the_assignee_alone_is_told_in_their_admin_language(
    arrive, smtp_mailer, django_user_model, django_capture_on_commit_callbacks
):
    conversation = arrive()
    marta = django_user_model.objects.create_user(
        username="marta", email="marta@ceramica.example", first_name="Marta"
    )
    UserProfile.objects.create(user=marta, preferred_language="en")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=marta)
    conversation.refresh_from_db()

    write_again(conversation, "¿Alguna novedad?", django_capture_on_commit_callbacks, via="thread")

    [email] = follow_ups(smtp_mailer, "marta@ceramica.example")
    assert follow_ups(smtp_mailer, STAFF[0]) == []
    with translation.override("en"):
        wrote = gettext("%(name)s wrote again (%(via)s).") % {
            "name": conversation.name,
            "via": Message.Via.THREAD.label,
        }
    assert wrote in text(email)


@pytest.mark.parametrize("status", [Status.SPAM, Status.HELD])
def test_spam_and_held_conversations_stay_set_aside_and_nobody_is_emailed(
    arrive, smtp_mailer, status, django_capture_on_commit_callbacks
):
    conversation = arrive()
    Conversation.objects.filter(pk=conversation.pk).update(status=status)
    conversation.refresh_from_db()
    upload = ContentFile(PNG, name="foto.png")
    assert file_problem(upload) is None

    message = write_again(
        conversation, "Más", django_capture_on_commit_callbacks, via="email", files=[upload]
    )

    conversation.refresh_from_db()
    assert conversation.status == status
    assert not EmailDelivery.objects.filter(kind=EmailDelivery.Kind.FOLLOW_UP).exists()
    [attachment] = message.attachments.all()
    assert attachment.quarantined
    assert attachment.content_type == "image/png"


def test_files_that_were_not_kept_are_written_down_for_staff(
    arrive, django_capture_on_commit_callbacks
):
    conversation = arrive()
    reason = file_not_kept_reason("virus.exe", 2048, "not a photo or a PDF")
    write_again(
        conversation,
        "Te mando el archivo",
        django_capture_on_commit_callbacks,
        via="email",
        not_kept=[reason],
    )
    note = conversation.messages.get(kind=Message.Kind.NOTE)
    assert "virus.exe (2.0\xa0KB): not a photo or a PDF" in note.body


def test_nothing_is_half_stored_when_the_transaction_fails(
    arrive, django_capture_on_commit_callbacks
):
    conversation = arrive()
    upload = ContentFile(PNG, name="foto.png")
    file_problem(upload)
    with pytest.raises(RuntimeError), transaction.atomic():
        add_shopper_message(conversation, "Hola", via="email", files=[upload])
        raise RuntimeError("the database went away")
    assert conversation.messages.count() == 1
    assert not EmailDelivery.objects.filter(kind=EmailDelivery.Kind.FOLLOW_UP).exists()


def test_revoking_links_gives_a_new_key_and_says_so_in_history(arrive, django_user_model):
    conversation = arrive()
    owner = django_user_model.objects.create_user(username="owner")
    key, token = conversation.thread_key, conversation.reply_token

    actions.revoke_thread_links(conversation, user=owner)

    conversation.refresh_from_db()
    assert conversation.thread_key != key
    # The reply address stays: replies by email keep finding their conversation.
    assert conversation.reply_token == token
    assert conversation.thread_revoked_at is not None
    entry = ModelLogEntry.objects.get(action=actions.REVOKE_LINKS)
    assert entry.user == owner


def test_every_conversation_has_its_own_tokens(site):
    first, second = builders.conversation(site), builders.conversation(site)
    assert len(first.reply_token) == 20
    assert first.reply_token.isalnum() and first.reply_token == first.reply_token.lower()
    assert first.reply_token != second.reply_token
    assert first.thread_key != second.thread_key


def test_the_first_reply_records_who_answered(
    arrive, smtp_mailer, django_user_model, django_capture_on_commit_callbacks
):
    conversation = arrive()
    marta = django_user_model.objects.create_user(username="marta", email="m@example.com")
    luis = django_user_model.objects.create_user(username="luis", email="l@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.reply(conversation, "Hola", user=marta)
        actions.reply(conversation, "Otra vez", user=luis)
    conversation.refresh_from_db()
    assert conversation.first_response_by == marta
    assert conversation.first_response_at == reply.created_at
    assert reply.via == Message.Via.ADMIN


def test_shopper_emails_answer_to_the_conversations_own_address(
    arrive, smtp_mailer, settings, django_user_model, django_capture_on_commit_callbacks
):
    settings.CONTACTKIT_REPLY_ADDRESS = "soporte+{token}@ceramica.example"
    conversation = arrive()
    [confirmation] = smtp_mailer.to("ana@example.com")
    own = f"soporte+{conversation.reply_token}@ceramica.example"
    assert own in confirmation["Reply-To"]
    marta = django_user_model.objects.create_user(username="marta")
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(conversation, "Hola", user=marta)
    reply = smtp_mailer.to("ana@example.com")[-1]
    assert own in reply["Reply-To"]
    # Staff's notification still answers the shopper directly.
    [notification] = smtp_mailer.to(STAFF[0])
    assert "ana@example.com" in notification["Reply-To"]
