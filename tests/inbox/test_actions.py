"""Every change staff make to a conversation goes through contactkit.inbox.actions: one
transaction, one entry in Wagtail's action log, and the emails a change calls for."""

import pytest
from django.urls import reverse
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from contactkit.inbox import actions
from contactkit.inbox.models import (
    Attachment,
    Conversation,
    EmailDelivery,
    InboxSettings,
    Message,
    Status,
)
from tests.inbox.builders import (
    attach,
    conversation,
    delivery,
    first_message,
    staff_user,
    use_private_storage,
)

Kind = EmailDelivery.Kind


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path, monkeypatch):
    return use_private_storage(settings, tmp_path, monkeypatch)


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_superuser(
        username="owner", email="owner@example.com", password="x", first_name="Lucía"
    )


@pytest.fixture
def notified(site):
    """The shop tells its staff about every new message."""
    inbox = InboxSettings.for_site(site)
    inbox.notify_emails = "tienda@example.com"
    inbox.save()
    return inbox


def logged(made):
    """The log entries of a conversation, oldest first, as Wagtail's History reads them."""
    return list(log_registry.get_logs_for_instance(made).order_by("timestamp", "pk"))


def one_entry(made, action):
    entries = [entry for entry in logged(made) if entry.action == action]
    assert len(entries) == 1, entries
    return entries[0]


def kinds(made):
    return sorted(EmailDelivery.objects.filter(conversation=made).values_list("kind", flat=True))


# Status


def test_a_status_change_is_logged_once_from_old_to_new(site, owner):
    made = conversation(site)

    assert actions.change_status(made, Status.CLOSED, user=owner) is True

    made.refresh_from_db()
    assert made.status == Status.CLOSED and made.closed_at is not None
    entry = one_entry(made, actions.STATUS)
    assert entry.user == owner
    assert entry.message == "Status changed from New to Closed"
    assert entry.data == {"status": {"old": "new", "new": "closed"}}
    # The log names the conversation by its reference: never the shopper's name.
    assert entry.label == made.reference


def test_setting_the_same_status_again_changes_and_logs_nothing(site, owner):
    made = conversation(site, status=Status.OPEN)
    assert actions.change_status(made, Status.OPEN, user=owner) is False
    assert logged(made) == []


def test_reopening_forgets_the_closing_date(site, owner):
    made = conversation(site)
    actions.change_status(made, Status.CLOSED, user=owner)
    actions.change_status(made, Status.OPEN, user=owner)
    made.refresh_from_db()
    assert (made.status, made.closed_at) == (Status.OPEN, None)
    assert [entry.message for entry in logged(made)] == [
        "Status changed from New to Closed",
        "Status changed from Closed to Open",
    ]


@pytest.mark.parametrize("status", [Status.SPAM, Status.HELD])
def test_spam_and_held_conversations_leave_their_folder_only_by_their_own_action(
    site, owner, status
):
    made = conversation(site, status=status, spam_reason="rate_ip")
    with pytest.raises(actions.NotInInbox):
        actions.change_status(made, Status.CLOSED, user=owner)
    with pytest.raises(actions.NotInInbox):
        actions.reply(made, "Hola", user=owner)
    made.refresh_from_db()
    assert made.status == status
    assert not made.messages.filter(kind=Message.Kind.REPLY).exists()
    assert logged(made) == []


def test_a_status_is_checked_against_the_inbox_statuses(site, owner):
    made = conversation(site)
    with pytest.raises(ValueError):
        actions.change_status(made, Status.SPAM, user=owner)


# Assignment


def test_assigning_tells_the_assignee_and_logs_who_and_to_whom(site, owner):
    marta = staff_user("view_conversation")
    made = conversation(site)

    assert actions.assign(made, marta, user=owner) is True

    made.refresh_from_db()
    assert made.assignee == marta
    assert kinds(made) == [Kind.ASSIGNMENT]
    assert EmailDelivery.objects.get(kind=Kind.ASSIGNMENT).recipients == [marta.email]
    entry = one_entry(made, actions.ASSIGN)
    assert (entry.user, entry.message) == (owner, "Assigned to Marta Ruiz")


def test_taking_a_conversation_away_is_logged_and_emails_nobody(site, owner):
    marta = staff_user("view_conversation")
    made = conversation(site, assignee=marta)

    assert actions.assign(made, None, user=owner) is True
    assert actions.assign(made, None, user=owner) is False

    assert one_entry(made, actions.ASSIGN).message == "No longer assigned to Marta Ruiz"
    assert kinds(made) == []


def test_reassigning_says_from_whom(site, owner):
    marta = staff_user("view_conversation")
    luis = staff_user("view_conversation", username="luis")
    luis.first_name, luis.last_name = "Luis", "Pérez"
    luis.save()
    made = conversation(site, assignee=marta)
    actions.assign(made, luis, user=owner)
    assert one_entry(made, actions.ASSIGN).message == "Assigned to Luis Pérez instead of Marta Ruiz"


# Spam, held, release


def test_marking_spam_quarantines_the_files_and_logs_the_old_status(site, owner):
    made = conversation(site, status=Status.OPEN)
    attachment = attach(first_message(made))

    assert actions.mark_spam(made, user=owner) is True
    assert actions.mark_spam(made, user=owner) is False

    made.refresh_from_db()
    assert (made.status, made.spam_reason) == (Status.SPAM, actions.STAFF_SPAM_CODE)
    attachment.refresh_from_db()
    assert attachment.quarantined
    assert one_entry(made, actions.SPAM).message == "Marked as spam (status was Open)"


def test_not_spam_brings_it_back_as_new_with_the_emails_spam_never_got(site, owner, notified):
    made = conversation(site, status=Status.SPAM, spam_reason="honeypot")
    attachment = attach(first_message(made))
    Attachment.objects.filter(pk=attachment.pk).update(quarantined=True)

    assert actions.not_spam(made, user=owner) is True
    assert actions.not_spam(made, user=owner) is False

    made.refresh_from_db()
    assert (made.status, made.spam_reason) == (Status.NEW, "")
    assert kinds(made) == sorted([Kind.CONFIRMATION, Kind.NOTIFICATION])
    assert EmailDelivery.objects.get(kind=Kind.NOTIFICATION).recipients == ["tienda@example.com"]
    attachment.refresh_from_db()
    assert not attachment.quarantined
    entry = one_entry(made, actions.NOT_SPAM)
    assert (entry.user, entry.message) == (owner, "Marked as not spam: back in the inbox as new")


def test_a_conversation_that_had_its_emails_does_not_get_them_twice(site, owner, notified):
    made = conversation(site)
    delivery(made, Kind.CONFIRMATION)
    actions.mark_spam(made, user=owner)
    actions.not_spam(made, user=owner)
    assert kinds(made) == [Kind.CONFIRMATION]


def test_releasing_a_held_message_sends_what_was_held_back(site, owner, notified):
    made = conversation(site, status=Status.HELD, spam_reason="rate_email")
    attachment = attach(first_message(made))
    Attachment.objects.filter(pk=attachment.pk).update(quarantined=True)

    assert actions.not_spam(made, user=owner) is False
    assert actions.release(made, user=owner) is True
    assert actions.release(made, user=owner) is False

    made.refresh_from_db()
    assert (made.status, made.spam_reason) == (Status.NEW, "")
    assert kinds(made) == sorted([Kind.CONFIRMATION, Kind.NOTIFICATION])
    attachment.refresh_from_db()
    assert not attachment.quarantined
    entry = one_entry(made, actions.RELEASE)
    assert entry.message == "Released from review: back in the inbox as new"
    assert entry.data == {"status": {"old": "held", "new": "new"}}


# Replies, notes, erasure


def test_a_reply_is_sent_and_logged_with_the_status_it_leaves(site, owner):
    made = conversation(site)

    message = actions.reply(made, "Hola Ana, sale hoy.", user=owner, then=Status.CLOSED)

    assert (message.kind, message.author, message.body) == (
        Message.Kind.REPLY,
        owner,
        "Hola Ana, sale hoy.",
    )
    made.refresh_from_db()
    assert made.status == Status.CLOSED and made.closed_at and made.first_response_at
    assert kinds(made) == [Kind.REPLY]
    entry = one_entry(made, actions.REPLY)
    assert entry.message == "Replied to the shopper; status changed from New to Closed"
    # What was written stays in the thread, not in the log.
    assert "sale hoy" not in str(entry.data)


def test_a_reply_to_a_waiting_conversation_says_only_that(site, owner):
    made = conversation(site, status=Status.WAITING)
    actions.reply(made, "Otra cosa", user=owner)
    assert one_entry(made, actions.REPLY).message == "Replied to the shopper"


def test_a_note_is_logged_and_never_emailed(site, owner):
    made = conversation(site)
    note = actions.add_note(made, "Llamé a la agencia", user=owner)
    assert (note.kind, note.author) == (Message.Kind.NOTE, owner)
    assert kinds(made) == []
    assert one_entry(made, actions.NOTE).message == "Added an internal note"


def test_erasing_logs_each_conversation_without_personal_data(site, owner):
    first = conversation(site, email="Ana@Example.com", name="Ana García")
    second = conversation(site, email="ana@example.com", name="Ana García")
    kept = conversation(site, email="luis@example.com")

    counts = actions.erase_for_email("ana@EXAMPLE.com", user=owner)

    assert counts["conversations"] == 2
    assert list(Conversation.objects.all()) == [kept]
    entries = ModelLogEntry.objects.filter(action=actions.ERASE).order_by("object_id")
    assert [(e.object_id, e.label, e.user) for e in entries] == [
        (str(first.pk), first.reference, owner),
        (str(second.pk), second.reference, owner),
    ]
    assert all(entry.deleted for entry in entries)
    logged_text = " ".join(f"{e.label} {e.data}" for e in ModelLogEntry.objects.all())
    assert "Ana" not in logged_text and "example.com" not in logged_text.lower()


# Through the admin: every place that changes a conversation uses the actions


def test_the_admin_logs_every_change_with_the_staff_member(admin_client, site):
    marta = staff_user("view_conversation")
    made = conversation(site)
    inbox = "contactkit_inbox:{}".format

    admin_client.post(
        reverse(inbox("handle"), args=[made.pk]),
        {"handling-status": "open", "handling-assignee": marta.pk},
    )
    admin_client.post(reverse(inbox("note"), args=[made.pk]), {"note-body": "Nota"})
    admin_client.post(
        reverse(inbox("reply"), args=[made.pk]), {"reply-body": "Hola", "reply-then": "waiting"}
    )
    admin_client.post(reverse(inbox("mark_spam"), args=[made.pk]))
    admin_client.post(reverse(inbox("not_spam"), args=[made.pk]))

    assert [(entry.action, entry.user.username) for entry in logged(made)] == [
        (actions.STATUS, "owner-en"),
        (actions.ASSIGN, "owner-en"),
        (actions.NOTE, "owner-en"),
        (actions.REPLY, "owner-en"),
        (actions.SPAM, "owner-en"),
        (actions.NOT_SPAM, "owner-en"),
    ]


def test_a_bulk_action_logs_each_conversation(admin_client, site):
    chosen = [conversation(site, name=f"C{n}") for n in range(3)]
    ids = "&".join(f"id={c.pk}" for c in chosen)
    url = reverse("wagtail_bulk_action", args=["contactkit", "conversation", "close"])

    admin_client.post(f"{url}?{ids}")

    for made in chosen:
        entry = one_entry(made, actions.STATUS)
        assert (entry.user.username, entry.message) == (
            "owner-en",
            "Status changed from New to Closed",
        )


def test_every_action_type_is_registered_with_a_label():
    choices = dict(log_registry.get_choices())
    for action in actions.FORMATTERS:
        assert choices[action]
