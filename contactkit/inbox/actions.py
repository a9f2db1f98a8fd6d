"""Everything staff do to a conversation, each in one function that logs it once.

Changing the status, assigning, marking as spam or not, releasing a held message, replying,
adding a note and erasing at a shopper's request each happen here, in one transaction, and each
writes one entry to Wagtail's action log, so the conversation's History and Reports → Site
history show who did what and when. Views, bulk actions and tasks call these functions and
never change a conversation's state themselves.

A module rather than methods on :class:`~contactkit.inbox.models.Conversation`: replying and
releasing send emails, and the models must not depend on the email layer above them.

Every function takes the acting ``user`` and checks nothing about permissions: that is the
caller's job. Each returns whether something changed (or what it made), so a bulk action can
count what it really did.
"""

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.utils import get_user_display_name
from wagtail.log_actions import LogFormatter
from wagtail.log_actions import log as log_action

from contactkit.inbox import privacy, quarantine
from contactkit.inbox.models import Conversation, EmailDelivery, Message, Status, new_token

# Stored as the spam reason when a person, not a check, put a conversation in the spam folder.
STAFF_SPAM_CODE = "staff"

# Where a conversation is kept away from the inbox: nothing was emailed, files are quarantined.
SET_ASIDE = quarantine.SET_ASIDE

# The statuses of a conversation in the inbox, which staff move between freely.
WORKING = (Status.NEW, Status.OPEN, Status.WAITING, Status.CLOSED)

# The emails a conversation gets when it arrives, or when it leaves spam or review.
NEW_CONVERSATION_EMAILS = (
    EmailDelivery.Kind.CONFIRMATION,
    EmailDelivery.Kind.ACKNOWLEDGEMENT,
    EmailDelivery.Kind.NOTIFICATION,
)

# The log action types; each has a formatter below, registered with register_log_actions.
STATUS = "contactkit.conversation.status"
ASSIGN = "contactkit.conversation.assign"
SPAM = "contactkit.conversation.spam"
NOT_SPAM = "contactkit.conversation.not_spam"
RELEASE = "contactkit.conversation.release"
REPLY = "contactkit.conversation.reply"
NOTE = "contactkit.conversation.note"
ERASE = "contactkit.conversation.erase"
SHOPPER_MESSAGE = "contactkit.conversation.shopper_message"
REVOKE_LINKS = "contactkit.conversation.revoke_links"


class NotInInbox(Exception):
    """The conversation is in the spam folder or held for review: take it out first."""


# The actions


def change_status(conversation, status, *, user):
    """Move ``conversation`` to one of the inbox's statuses; False if it already had it.

    Closing dates the conversation (retention counts from then); reopening forgets the date.
    Spam and held conversations leave their folder only through :func:`not_spam` and
    :func:`release`, which also send the emails held back: here they raise
    :class:`NotInInbox`.
    """
    if status not in WORKING:
        raise ValueError(f"Not a status staff set directly: {status!r}")
    with transaction.atomic():
        _lock(conversation)
        if conversation.status in SET_ASIDE:
            raise NotInInbox(conversation.reference)
        old = conversation.status
        if old == status:
            return False
        _set_status(conversation, status)
        conversation.save(update_fields=["status", "closed_at", "spam_reason", "updated_at"])
        _log(conversation, STATUS, user, {"status": {"old": old, "new": status}})
    return True


def assign(conversation, assignee, *, user):
    """Give ``conversation`` to ``assignee`` (None: to nobody); False if nothing changed.

    The new assignee is told by email, after the transaction commits.
    """
    with transaction.atomic():
        _lock(conversation)
        old = conversation.assignee
        if old == assignee:
            return False
        conversation.assignee = assignee
        conversation.save(update_fields=["assignee", "updated_at"])
        _log(
            conversation,
            ASSIGN,
            user,
            {"assignee": {"old": _person(old), "new": _person(assignee)}},
        )
        if assignee is not None:
            # Imported here: emails imports the models, and tasks import emails.
            from contactkit.inbox.emails import queue_assignment_email

            queue_assignment_email(conversation, assignee, assigned_by=user)
    return True


def mark_spam(conversation, *, user, reason=STAFF_SPAM_CODE):
    """Move ``conversation`` to the spam folder; False if it was there already.

    Its files are quarantined, like those of spam the checks caught.
    """
    with transaction.atomic():
        _lock(conversation)
        old = conversation.status
        if old == Status.SPAM:
            return False
        _set_status(conversation, Status.SPAM, spam_reason=reason)
        conversation.save(update_fields=["status", "closed_at", "spam_reason", "updated_at"])
        quarantine.quarantine_attachments(conversation)
        _log(conversation, SPAM, user, {"status": {"old": old, "new": Status.SPAM}})
    return True


def not_spam(conversation, *, user):
    """Take ``conversation`` out of the spam folder, back in the inbox as new.

    The emails spam never gets (the shopper's confirmation, staff's notification) are sent now.
    False if it was not in the spam folder.
    """
    return _back_to_inbox(conversation, Status.SPAM, NOT_SPAM, user)


def release(conversation, *, user):
    """Release a conversation held for review: it is a real message, back in the inbox as new.

    The emails held back with it are sent now and its files leave quarantine. False if it was
    not held.
    """
    return _back_to_inbox(conversation, Status.HELD, RELEASE, user)


def reply(conversation, body, *, user, then=None, via=Message.Via.ADMIN, email=True):
    """Email ``body`` to the shopper as ``user``'s reply, then set the status to ``then``.

    Without ``then`` the conversation waits on the customer (a closed one stays closed).
    ``via`` says where staff wrote it; ``email=False`` stores it without emailing it (a live
    chat's answer, read as it is written).
    Returns the reply's :class:`~contactkit.inbox.models.Message`. Spam and held conversations
    cannot be answered: :class:`NotInInbox`.
    """
    # Imported here: emails imports the models, and tasks import emails.
    from contactkit.inbox.emails import send_reply

    if then is not None and then not in WORKING:
        raise ValueError(f"Not a status staff set directly: {then!r}")
    with transaction.atomic():
        _lock(conversation)
        if conversation.status in SET_ASIDE:
            raise NotInInbox(conversation.reference)
        old = conversation.status
        # send_reply also records the first-response time and sets "waiting on customer".
        message = send_reply(conversation, user, body, via=via, email=email)
        if then is not None and conversation.status != then:
            _set_status(conversation, then)
            conversation.save(update_fields=["status", "closed_at", "spam_reason", "updated_at"])
        _log(
            conversation,
            REPLY,
            user,
            {"message": message.pk, "status": {"old": old, "new": conversation.status}},
        )
    return message


def add_note(conversation, body, *, user):
    """Add an internal note, which only staff see and which is never emailed."""
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation, kind=Message.Kind.NOTE, author=user, body=body
        )
        _log(conversation, NOTE, user, {"message": message.pk})
    return message


def revoke_thread_links(conversation, *, user):
    """Make every private link to ``conversation``'s page given so far stop working.

    The page's links are signed with the conversation's thread key: a new key invalidates
    them all at once. Emails sent from now on carry new links.
    """
    with transaction.atomic():
        _lock(conversation)
        conversation.thread_key = new_token()
        conversation.thread_revoked_at = timezone.now()
        conversation.save(update_fields=["thread_key", "thread_revoked_at", "updated_at"])
        _log(conversation, REVOKE_LINKS, user, {})
    return True


def log_shopper_message(conversation, message, old_status):
    """History's entry for a shopper's new message (see :mod:`contactkit.inbox.followups`).

    Written by nobody on staff (no user); call it in the transaction that stores the message.
    """
    _log(
        conversation,
        SHOPPER_MESSAGE,
        None,
        {
            "message": message.pk,
            "via": message.via,
            "status": {"old": old_status, "new": conversation.status},
        },
    )


def erase_for_email(email, *, user):
    """Erase, at a shopper's request, every conversation of ``email`` with all it holds.

    Each conversation's History gets an entry saying it was erased and by whom; the entries
    name conversations by reference only, so no personal data outlives the erasure in the log.
    Returns what :func:`contactkit.inbox.privacy.erase_for_email` returns.
    """
    with transaction.atomic():
        for conversation in Conversation.objects.for_email(email).select_for_update():
            _log(conversation, ERASE, user, {}, deleted=True)
        return privacy.erase_for_email(email)


# How they do it


def _lock(conversation):
    """Lock ``conversation``'s row until the transaction ends and read it afresh.

    So "from X to Y" in the log is true even when two people act at the same moment.
    """
    conversation.refresh_from_db(from_queryset=Conversation.objects.select_for_update())


def _set_status(conversation, status, spam_reason=""):
    conversation.status = status
    if status == Status.CLOSED:
        conversation.closed_at = timezone.now()
    else:
        conversation.closed_at = None
    conversation.spam_reason = spam_reason


def _back_to_inbox(conversation, folder, action, user):
    # Imported here: emails imports the models, and tasks import emails.
    from contactkit.inbox.emails import queue_new_conversation_emails

    with transaction.atomic():
        _lock(conversation)
        if conversation.status != folder:
            return False
        _set_status(conversation, Status.NEW)
        conversation.save(update_fields=["status", "closed_at", "spam_reason", "updated_at"])
        quarantine.release_attachments(conversation)
        # Only now, as new, does the conversation get the emails it was held back from; one
        # that had them before staff set it aside does not get them twice.
        if not conversation.deliveries.filter(kind__in=NEW_CONVERSATION_EMAILS).exists():
            queue_new_conversation_emails(conversation)
        _log(conversation, action, user, {"status": {"old": folder, "new": Status.NEW}})
    return True


def _person(user):
    """A user as the log keeps them: the name stays readable if the account goes."""
    if user is None:
        return None
    return {"id": user.pk, "name": get_user_display_name(user)}


def _log(conversation, action, user, data, **kwargs):
    log_action(
        conversation,
        action,
        user=user,
        data=data,
        # The reference, not str(conversation): a log entry outlives an erasure, a name must not.
        title=conversation.reference,
        # An admin request shares one UUID, and History shows one entry per UUID and action:
        # a bulk action's entries would hide each other's.
        uuid=uuid.uuid4(),
        **kwargs,
    )


# How the log shows them


def status_label(code):
    """A status code as staff read it, in their language."""
    try:
        return Status(code).label
    except ValueError:
        return code or "—"


def _status_change(log_entry):
    change = log_entry.data.get("status") or {}
    return status_label(change.get("old")), status_label(change.get("new"))


class StatusFormatter(LogFormatter):
    label = gettext_lazy("Change status")

    def format_message(self, log_entry):
        old, new = _status_change(log_entry)
        return _("Status changed from %(old)s to %(new)s") % {"old": old, "new": new}


class AssignFormatter(LogFormatter):
    label = gettext_lazy("Assign")

    def format_message(self, log_entry):
        change = log_entry.data.get("assignee") or {}
        old = (change.get("old") or {}).get("name")
        new = (change.get("new") or {}).get("name")
        if new and old:
            return _("Assigned to %(new)s instead of %(old)s") % {"new": new, "old": old}
        if new:
            return _("Assigned to %(new)s") % {"new": new}
        return _("No longer assigned to %(old)s") % {"old": old or "—"}


class SpamFormatter(LogFormatter):
    label = gettext_lazy("Mark as spam")

    def format_message(self, log_entry):
        old, _new = _status_change(log_entry)
        return _("Marked as spam (status was %(old)s)") % {"old": old}


class NotSpamFormatter(LogFormatter):
    label = gettext_lazy("Not spam")
    message = gettext_lazy("Marked as not spam: back in the inbox as new")


class ReleaseFormatter(LogFormatter):
    label = gettext_lazy("Release")
    message = gettext_lazy("Released from review: back in the inbox as new")


class ReplyFormatter(LogFormatter):
    label = gettext_lazy("Reply")

    def format_message(self, log_entry):
        old, new = _status_change(log_entry)
        if old == new:
            return _("Replied to the shopper")
        return _("Replied to the shopper; status changed from %(old)s to %(new)s") % {
            "old": old,
            "new": new,
        }


class NoteFormatter(LogFormatter):
    label = gettext_lazy("Internal note")
    message = gettext_lazy("Added an internal note")


class EraseFormatter(LogFormatter):
    label = gettext_lazy("Erase (privacy request)")
    message = gettext_lazy("Erased with its messages and files at the shopper's request")


class ShopperMessageFormatter(LogFormatter):
    label = gettext_lazy("Shopper's message")

    def format_message(self, log_entry):
        via = log_entry.data.get("via") or ""
        try:
            how = Message.Via(via).label
        except ValueError:
            how = via or "—"
        old, new = _status_change(log_entry)
        if old == new:
            return _("The shopper wrote again (%(via)s)") % {"via": how}
        return _("The shopper wrote again (%(via)s); status changed from %(old)s to %(new)s") % {
            "via": how,
            "old": old,
            "new": new,
        }


class RevokeLinksFormatter(LogFormatter):
    label = gettext_lazy("Revoke links")
    message = gettext_lazy("Revoked the shopper's links to the conversation page")


FORMATTERS = {
    STATUS: StatusFormatter,
    ASSIGN: AssignFormatter,
    SPAM: SpamFormatter,
    NOT_SPAM: NotSpamFormatter,
    RELEASE: ReleaseFormatter,
    REPLY: ReplyFormatter,
    NOTE: NoteFormatter,
    ERASE: EraseFormatter,
    SHOPPER_MESSAGE: ShopperMessageFormatter,
    REVOKE_LINKS: RevokeLinksFormatter,
}


def register_log_actions(actions):
    """The ``register_log_actions`` hook: contactkit's action types and how they read."""
    for action, formatter in FORMATTERS.items():
        actions.register_action(action)(formatter)
