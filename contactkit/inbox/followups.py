"""A shopper writing again in a conversation they started: by email, on their conversation
page, later in the chat. Every way in goes through :func:`add_shopper_message`.

It stores the message and its files in one transaction, reopens the conversation when it was
waiting on the shopper or closed, writes one History entry, and tells staff by email once the
transaction has committed. A conversation in the spam folder or held for review stays there
(its files quarantined) and nobody is emailed: staff find the new message when they look.
"""

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from contactkit.inbox import actions, quarantine, spam
from contactkit.inbox.models import Attachment, Conversation, Message, Status

# Statuses a new message from the shopper moves to "open": someone must look at it again.
REOPENED_FROM = (Status.WAITING, Status.CLOSED)


def add_shopper_message(
    conversation,
    body,
    *,
    via,
    files=(),
    not_kept=(),
    original="",
    email_message_id="",
    created_at=None,
    held_reason="",
    notify=True,
):
    """Store ``body`` as the shopper's new message in ``conversation``; return the message.

    ``files`` are uploads already checked (:func:`contactkit.inbox.forms.file_problem`),
    each with its ``sniffed_type``; ``not_kept`` are sentences telling staff about files that
    were not kept (too big, not a photo or PDF…), written down as an internal note.
    ``original`` is an email's whole text when ``body`` is only its new part;
    ``email_message_id`` an email's own Message-ID (otherwise one is made up).

    ``held_reason`` (spam check or limit codes, see :mod:`contactkit.inbox.spam` and
    :mod:`contactkit.inbox.limits`) holds the message back: it is stored and shown in the
    thread like any other, with an internal note saying why, but the conversation is not
    reopened and nobody is emailed. Nothing a shopper sends is ever dropped. ``notify=False``
    emails nobody either (a live chat's line, which staff in the chat read as it comes).
    """
    saved = []
    try:
        with transaction.atomic():
            locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
            old = locked.status
            message = Message.objects.create(
                conversation=locked,
                kind=Message.Kind.SHOPPER,
                via=via,
                body=body,
                original=original if original != body else "",
                email_message_id=email_message_id[:255],
                created_at=created_at or timezone.now(),
            )
            set_aside = locked.status in quarantine.SET_ASIDE
            for upload in files:
                attachment = Attachment(
                    message=message,
                    name=upload.name,
                    content_type=getattr(upload, "sniffed_type", "application/octet-stream"),
                    size=upload.size,
                    quarantined=set_aside,
                )
                attachment.file.save(upload.name, upload, save=False)
                saved.append(attachment.file)
                attachment.save()
            if not_kept:
                with translation.override(settings.LANGUAGE_CODE):
                    note = "\n".join(
                        [
                            ngettext(
                                "The shopper's message came with %(count)s file that was not kept:",
                                "The shopper's message came with %(count)s files that were "
                                "not kept:",
                                len(not_kept),
                            )
                            % {"count": len(not_kept)},
                            *(f"- {reason}" for reason in not_kept),
                        ]
                    )
                Message.objects.create(
                    conversation=locked, kind=Message.Kind.NOTE, author=None, body=note
                )
            if held_reason:
                with translation.override(settings.LANGUAGE_CODE):
                    note = gettext(
                        "The message above was held back (%(reason)s): the conversation was not "
                        "reopened and nobody was emailed about it."
                    ) % {"reason": spam.describe(held_reason) or held_reason}
                Message.objects.create(
                    conversation=locked, kind=Message.Kind.NOTE, author=None, body=note
                )
            elif locked.status in REOPENED_FROM:
                locked.status = Status.OPEN
                locked.closed_at = None
            locked.save(update_fields=["status", "closed_at", "updated_at"])
            actions.log_shopper_message(locked, message, old)
            if locked.status not in quarantine.SET_ASIDE and not held_reason and notify:
                queue_follow_up_email(locked, message)
    except BaseException:
        for stored in saved:
            stored.storage.delete(stored.name)
        raise
    conversation.status = locked.status
    conversation.closed_at = locked.closed_at
    return message


def queue_follow_up_email(conversation, message):
    """Tell staff the shopper wrote again: the assignee, else the people chosen for the topic.

    Call it inside the transaction that stores ``message``; returns the delivery or None.
    """
    from contactkit.inbox.emails import _send_after_commit
    from contactkit.inbox.models import EmailDelivery, InboxSettings

    if conversation.assignee is not None and conversation.assignee.email:
        recipients = [conversation.assignee.email]
    else:
        recipients = InboxSettings.for_site(conversation.site).recipients_for(conversation.topic)
    if not recipients:
        return None
    delivery = EmailDelivery.objects.create(
        conversation=conversation,
        message=message,
        kind=EmailDelivery.Kind.FOLLOW_UP,
        recipients=recipients,
    )
    _send_after_commit(delivery)
    return delivery


def file_not_kept_reason(name, size, problem=None):
    """A line for staff about a file that was not kept: its name, size and why."""
    reason = problem or gettext("not a photo or a PDF")
    return f"{name} ({filesizeformat(size)}): {reason}"
