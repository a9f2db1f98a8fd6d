"""Receiving what a shopper sends: stored first, in one transaction, then acted upon."""

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone, translation

from contactkit.conf import contactkit_settings
from contactkit.inbox import spam
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
    further message of that conversation. Spam is stored too, with its reason, and sends no
    email. Raises :class:`NotStored` when the database cannot take the message now.
    """
    try:
        return _receive(form, site=site, request=request, source=source, page=page)
    except OperationalError as error:
        # SQLite's "database is locked" after its busy timeout, or a lost connection.
        raise NotStored(str(error)) from error


def _receive(form, *, site, request, source, page):
    data = form.cleaned_data
    key = data.get("submission_key") or None
    if key and (existing := Conversation.objects.filter(submission_key=key).first()):
        return _receive_again(existing, form)
    ip = spam.client_ip(request)
    reason = spam.check(
        honeypot=data.get("website"),
        timestamp=data.get("started"),
        message=data["message"],
        email=data["email"],
        ip=ip,
    )
    conversation = Conversation(
        site=site,
        submission_key=key,
        source=source,
        topic=data["topic"],
        status=Status.SPAM if reason else Status.NEW,
        spam_reason=reason,
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
    saved_files = []
    try:
        with transaction.atomic():
            conversation.save()
            _store_message(conversation, form, saved_files)
            from contactkit.inbox.emails import queue_new_conversation_emails

            queue_new_conversation_emails(conversation)
    except IntegrityError:
        _delete(saved_files)
        conversation.pk = None
        # The same form was sent twice at the same moment: the other request stored it.
        if key and (existing := Conversation.objects.filter(submission_key=key).first()):
            return _receive_again(existing, form)
        raise
    except BaseException:
        _delete(saved_files)
        conversation.pk = None
        raise
    return conversation


def _receive_again(conversation, form):
    """A form sent again with its submission key: a new text becomes a further message.

    The same text again (a double click, the back button and send) changes nothing.
    """
    text = form.cleaned_data["message"]
    last = conversation.messages.filter(kind=Message.Kind.SHOPPER).order_by("-created_at", "-pk")
    if last.filter(body=text).exists():
        return conversation
    saved_files = []
    try:
        with transaction.atomic():
            # Lock the conversation so two resubmissions at once are stored one after the
            # other, each checked against what the other stored.
            locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
            if locked.messages.filter(kind=Message.Kind.SHOPPER, body=text).exists():
                return locked
            _store_message(locked, form, saved_files)
            # The shopper wrote again: someone must look at it, whether answered or closed.
            if locked.status in (Status.WAITING, Status.CLOSED):
                locked.status = Status.OPEN
                locked.closed_at = None
            locked.save(update_fields=["status", "closed_at", "updated_at"])
    except BaseException:
        _delete(saved_files)
        raise
    return locked


def _store_message(conversation, form, saved_files):
    """The shopper's message and its files, inside the caller's transaction."""
    data = form.cleaned_data
    message = Message.objects.create(
        conversation=conversation, kind=Message.Kind.SHOPPER, body=data["message"]
    )
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


def _delete(files):
    """Files written before a transaction rolled back would be orphans: remove them."""
    for stored in files:
        stored.storage.delete(stored.name)
