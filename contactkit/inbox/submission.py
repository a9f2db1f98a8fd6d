"""Receiving what a shopper sends: stored first, in one transaction, then acted upon."""

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone, translation

from contactkit.accounts import identity
from contactkit.conf import contactkit_settings
from contactkit.inbox import limits, quarantine, spam
from contactkit.inbox.models import Attachment, Conversation, Message, Source, Status


class NotStored(Exception):
    """The database could not store the message just now (busy or briefly unreachable).

    Nothing was kept: the caller shows the form again, with the shopper's text, and asks them
    to send it again. It is never a reason to answer 500 and lose the text.
    """


def receive(form, *, site, request=None, source=Source.FORM, page=None):
    """Store a valid :class:`~contactkit.inbox.forms.ContactForm` as a new conversation.

    The conversation, its first message and its attachments are saved in one transaction;
    the emails are queued only once that has committed. ``page`` is the page whose form was
    sent: it and its extra questions, as they are now, are kept with the conversation.

    The form's submission key decides what a second submit means: the same text again (a
    double click, a reload) returns the conversation of the first; a new text is stored as a
    further message of that conversation; it counts against the limits like a new message.

    Spam is stored too, with its reason, and sends no email; a message over a limit (see
    :mod:`~contactkit.inbox.limits`) is held for review, with its reason, and sends no email
    either. Files of spam and held messages are quarantined, or not kept when the quarantine
    is full (see :mod:`~contactkit.inbox.quarantine`). Raises :class:`NotStored` when the
    database cannot take the message now.
    """
    try:
        return _receive(form, site=site, request=request, source=source, page=page)
    except OperationalError as error:
        # SQLite's "database is locked" after its busy timeout, or a lost connection.
        raise NotStored(str(error)) from error


def _limits(form, request):
    """Count the message and its files against the limits; the reason codes it trips."""
    reasons = limits.check(request, form.cleaned_data["email"])
    if limits.count_attachment_bytes(request, _size(form)):
        reasons.append(limits.QUOTA_FILES)
    return reasons


def _size(form):
    return sum(upload.size for upload in form.cleaned_data.get("attachments") or [])


def _uncount_files(form, request):
    """Files counted against the quota but not stored after all."""
    limits.uncount_attachment_bytes(request, _size(form))


def _receive(form, *, site, request, source, page):
    data = form.cleaned_data
    key = data.get("submission_key") or None
    if key and (existing := Conversation.objects.filter(submission_key=key).first()):
        return _receive_again(existing, form, request)
    ip = limits.client_address(request)
    checks = spam.check(
        honeypot=data.get("website"),
        timestamp=data.get("started"),
        message=data["message"],
    )
    held = _limits(form, request)
    status = Status.SPAM if checks else Status.HELD if held else Status.NEW
    conversation = Conversation(
        site=site,
        submission_key=key,
        source=source,
        topic=data["topic"],
        status=status,
        spam_reason=" ".join([*checks.split(), *held]),
        name=data["name"],
        email=data["email"],
        phone=data.get("phone") or "",
        order_number=data.get("order_number", ""),
        language=translation.get_language() or "",
        extra_fields=form.extra_answers(),
        form_page=page,
        form_definition=form.extra_definition(),
        ip_hash=spam.keyed_hash(ip) if ip and contactkit_settings.STORE_IP == "hash" else "",
        consented_at=timezone.now(),
    )
    identity.mark(conversation, request)
    saved_files = []
    try:
        with transaction.atomic():
            keep_files = _room_for_files(conversation, form)
            conversation.save()
            _store_message(conversation, form, saved_files, keep_files=keep_files)
            if conversation.status == Status.NEW:
                from contactkit.inbox.emails import queue_new_conversation_emails

                queue_new_conversation_emails(conversation)
    except IntegrityError:
        _delete(saved_files)
        _uncount_files(form, request)
        conversation.pk = None
        # The same form was sent twice at the same moment: the other request stored it.
        if key and (existing := Conversation.objects.filter(submission_key=key).first()):
            return _receive_again(existing, form, request)
        raise
    except BaseException:
        _delete(saved_files)
        _uncount_files(form, request)
        conversation.pk = None
        raise
    return conversation


def _room_for_files(conversation, form):
    """Whether the files of a spam or held message fit in the quarantine.

    When they do not, the reason code says how many were not kept (a note in the thread says
    it too, see :func:`_store_message`).
    """
    files = form.cleaned_data.get("attachments") or []
    if not files or conversation.status not in quarantine.SET_ASIDE:
        return True
    if quarantine.has_room(_size(form)):
        return True
    code = f"{quarantine.FILES_NOT_KEPT}:{len(files)}"
    conversation.spam_reason = " ".join(filter(None, [conversation.spam_reason, code]))
    return False


def _receive_again(conversation, form, request=None):
    """A form sent again with its submission key: a new text becomes a further message.

    The same text again (a double click, the back button and send) changes nothing. A new
    text counts against the limits like a new message: over one, the conversation is held
    for review (unless it is in the spam folder already).
    """
    text = form.cleaned_data["message"]
    last = conversation.messages.filter(kind=Message.Kind.SHOPPER).order_by("-created_at", "-pk")
    if last.filter(body=text).exists():
        return conversation
    held = _limits(form, request)
    saved_files = []
    try:
        with transaction.atomic():
            # Lock the conversation so two resubmissions at once are stored one after the
            # other, each checked against what the other stored.
            locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
            if locked.messages.filter(kind=Message.Kind.SHOPPER, body=text).exists():
                _uncount_files(form, request)
                return locked
            if held and locked.status != Status.SPAM:
                codes = locked.spam_reason.split() if locked.status == Status.HELD else []
                locked.spam_reason = " ".join(dict.fromkeys([*codes, *held]))
                locked.status = Status.HELD
                locked.closed_at = None
            # The shopper wrote again: someone must look at it, whether answered or closed.
            elif locked.status in (Status.WAITING, Status.CLOSED):
                locked.status = Status.OPEN
                locked.closed_at = None
            keep_files = _room_for_files(locked, form)
            _store_message(locked, form, saved_files, keep_files=keep_files)
            locked.save(update_fields=["status", "closed_at", "spam_reason", "updated_at"])
    except BaseException:
        _delete(saved_files)
        _uncount_files(form, request)
        raise
    return locked


def _store_message(conversation, form, saved_files, *, keep_files=True):
    """The shopper's message and its files, inside the caller's transaction.

    Without ``keep_files`` the files are not written, and a note says so.
    """
    data = form.cleaned_data
    message = Message.objects.create(
        conversation=conversation,
        kind=Message.Kind.SHOPPER,
        via=_via(conversation.source),
        body=data["message"],
    )
    if not keep_files:
        if files := data.get("attachments"):
            quarantine.note_files_not_kept(conversation, len(files), _size(form))
        return message
    for upload in data.get("attachments") or []:
        attachment = Attachment(
            message=message,
            name=upload.name,
            content_type=getattr(upload, "sniffed_type", "application/octet-stream"),
            size=upload.size,
            quarantined=conversation.status in (Status.SPAM, Status.HELD),
        )
        attachment.file.save(upload.name, upload, save=False)
        saved_files.append(attachment.file)
        attachment.save()
    return message


def _via(source):
    """How a message came, from the source of its conversation (the same names)."""
    return source if source in Message.Via.values else ""


def _delete(files):
    """Files written before a transaction rolled back would be orphans: remove them."""
    for stored in files:
        stored.storage.delete(stored.name)
