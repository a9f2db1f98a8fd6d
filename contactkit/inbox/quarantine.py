"""Files of held and spam messages: quarantined, capped in total, purged after a short time.

A message held for review or in the spam folder keeps its files apart (``quarantined``): they
are served only to staff like every attachment, they count against a global quota
(``CONTACTKIT_QUARANTINE_MAX_BYTES``) and ``contactkit_purge`` deletes them after
``CONTACTKIT_QUARANTINE_DAYS``, keeping the row as a record. When the quarantine is full, a held
or spam message is still stored, without its files, and says so to staff. Releasing a
conversation (staff's "not spam" or "release") calls :func:`release_attachments`.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import ngettext

from contactkit.conf import contactkit_settings
from contactkit.inbox.models import Attachment, Message, Status
from contactkit.inbox.storage import delete_after_commit

# Conversations whose files are quarantined.
SET_ASIDE = (Status.SPAM, Status.HELD)

# The reason code stored when files were not kept, with their number: "files_not_kept:3".
FILES_NOT_KEPT = "files_not_kept"


def quarantined():
    """Attachments in quarantine whose files are still on disk."""
    return Attachment.objects.filter(quarantined=True, purged_at__isnull=True)


def quarantined_bytes():
    return quarantined().aggregate(total=Sum("size"))["total"] or 0


def has_room(size):
    """Whether ``size`` more bytes fit in the quarantine (always, with no quota set).

    Read inside the transaction that stores the files: on SQLite that transaction is the only
    writer; on PostgreSQL messages stored at the same instant can each pass, so the quota can
    be exceeded by at most what those few messages carry.
    """
    limit = contactkit_settings.QUARANTINE_MAX_BYTES
    return limit is None or quarantined_bytes() + size <= limit


def note_files_not_kept(conversation, count, size):
    """Record in the thread, for staff, that ``count`` files were not kept and why.

    An internal note written by the system (no author), in the site's language; it stays when
    the conversation is released, unlike the reason code.
    """
    with translation.override(settings.LANGUAGE_CODE):
        body = ngettext(
            "The shopper sent %(count)s file (%(size)s) that was not kept: the quarantine for "
            "held and spam messages was full.",
            "The shopper sent %(count)s files (%(size)s) that were not kept: the quarantine "
            "for held and spam messages was full.",
            count,
        ) % {"count": count, "size": filesizeformat(size)}
    return Message.objects.create(
        conversation=conversation, kind=Message.Kind.NOTE, author=None, body=body
    )


def quarantine_attachments(conversation):
    """Put ``conversation``'s files in quarantine, for staff moving it to the spam folder."""
    return (
        Attachment.objects.filter(message__conversation=conversation, quarantined=False)
        .exclude(purged_at__isnull=False)
        .update(quarantined=True)
    )


def release_attachments(conversation):
    """Take ``conversation``'s files out of quarantine; returns how many were released.

    For the actions that move a conversation back to the inbox; files already purged stay
    recorded as such.
    """
    return quarantined().filter(message__conversation=conversation).update(quarantined=False)


def purgeable(days=None, now=None):
    """Quarantined files older than ``days`` (default ``CONTACTKIT_QUARANTINE_DAYS``)."""
    days = contactkit_settings.QUARANTINE_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return quarantined().filter(created_at__lt=cutoff)


def purge(days=None, now=None):
    """Delete the files :func:`purgeable` finds; their rows stay, with ``purged_at`` set.

    Returns (files, bytes) deleted. The files go once the rows are updated for good.
    """
    now = now or timezone.now()
    with transaction.atomic():
        doomed = list(purgeable(days, now).select_for_update().only("pk", "file", "size"))
        Attachment.objects.filter(pk__in=[a.pk for a in doomed]).update(file="", purged_at=now)
        delete_after_commit([a.file for a in doomed])
    return len(doomed), sum(a.size for a in doomed)
