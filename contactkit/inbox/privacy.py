"""What the inbox keeps about a person, handed over or erased on request, and nothing kept longer
than the shop decided.

Attachments live on their own storage, which deleting a row never touches, so every deletion here
removes the files too: once the rows are gone for good, that is when the transaction commits.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contactkit.inbox.models import Attachment, Conversation, EmailDelivery, Message, Status
from contactkit.inbox.storage import delete_after_commit


def _when(value):
    return value.isoformat() if value else None


def _conversation_data(conversation):
    return {
        "reference": conversation.reference,
        "received": _when(conversation.created_at),
        "source": conversation.source,
        "topic": conversation.topic,
        "status": conversation.status,
        "spam_reason": conversation.spam_reason,
        "name": conversation.name,
        "email": conversation.email,
        "phone": str(conversation.phone or ""),
        "order_number": conversation.order_number,
        "language": conversation.language,
        "other_answers": conversation.extra_fields,
        "ip_hash": conversation.ip_hash,
        "privacy_consent_given": _when(conversation.consented_at),
        "first_answered": _when(conversation.first_response_at),
        "closed": _when(conversation.closed_at),
        "messages": [
            {
                "kind": message.kind,
                "sent": _when(message.created_at),
                "body": message.body,
                "attachments": [
                    {"name": a.name, "type": a.content_type, "size": a.size}
                    for a in message.attachments.all()
                ],
            }
            for message in conversation.messages.all()
        ],
        "emails": [
            {
                "kind": delivery.kind,
                "to": delivery.recipients,
                "state": delivery.state,
                "attempts": delivery.attempts,
                "sent": _when(delivery.sent_at),
                "created": _when(delivery.created_at),
            }
            for delivery in conversation.deliveries.all()
        ],
    }


def export_for_email(email):
    """Everything stored for ``email`` (any case), ready for ``json.dumps``.

    Internal notes are included: what staff wrote about a person is that person's data too.
    """
    conversations = (
        Conversation.objects.for_email(email)
        .order_by("created_at", "pk")
        .prefetch_related("messages__attachments", "deliveries")
    )
    from contactkit.accounts.privacy import accounts_data

    return {
        "email": email.strip(),
        "exported_at": timezone.now().isoformat(),
        "conversations": [_conversation_data(conversation) for conversation in conversations],
        "shopper_accounts": accounts_data(email),
    }


def count_stored(conversations):
    """How many conversations, messages, attachments and emails ``conversations`` hold."""
    ids = conversations.values("pk")
    return {
        "conversations": conversations.count(),
        "messages": Message.objects.filter(conversation__in=ids).count(),
        "attachments": Attachment.objects.filter(message__conversation__in=ids).count(),
        "deliveries": EmailDelivery.objects.filter(conversation__in=ids).count(),
    }


def delete_conversations(conversations):
    """Delete ``conversations`` with their messages, attachments (files included) and emails.

    Returns :func:`count_stored` of what was deleted. The files are removed when the transaction
    commits, so a rolled-back deletion never leaves rows pointing at missing files.
    """
    with transaction.atomic():
        ids = list(conversations.values_list("pk", flat=True))
        doomed = Conversation.objects.filter(pk__in=ids)
        counts = count_stored(doomed)
        attachments = Attachment.objects.filter(message__conversation__in=ids).only("file")
        files = [attachment.file for attachment in attachments]
        doomed.delete()
        delete_after_commit(files)
    return counts


def erase_for_email(email):
    """Erase every conversation of ``email`` (any case), with all that belongs to it, and the
    shopper accounts that signed in with that address (contactkit.accounts)."""
    from contactkit.accounts.privacy import erase_accounts

    with transaction.atomic():
        counts = delete_conversations(Conversation.objects.for_email(email))
        erase_accounts(email)
    return counts


def purgeable(older_than_days, now=None):
    """Conversations past retention: closed, or spam, for more than ``older_than_days`` days.

    Spam is included because it never gets closed and would otherwise be kept for ever.
    A conversation closed without a closing date counts from its last change.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=older_than_days)
    closed = Q(status=Status.CLOSED) & (
        Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, updated_at__lt=cutoff)
    )
    spam = Q(status=Status.SPAM, created_at__lt=cutoff)
    return Conversation.objects.filter(closed | spam)


def purge_closed(older_than_days, now=None):
    """Delete what :func:`purgeable` finds, files included; returns the counts."""
    return delete_conversations(purgeable(older_than_days, now))
