"""Receiving what a shopper sends: stored first, in one transaction, then acted upon."""

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from contactkit.conf import contactkit_settings
from contactkit.inbox import spam
from contactkit.inbox.models import Attachment, Conversation, Message, Source, Status


def receive(form, *, site, request=None, source=Source.FORM):
    """Store a valid :class:`~contactkit.inbox.forms.ContactForm` as a new conversation.

    The conversation, its first message and its attachments are saved in one transaction;
    the emails are queued only once that has committed. A second submit of the same form (a
    double click) returns the conversation of the first. Spam is stored too, with its reason,
    and sends no email.
    """
    data = form.cleaned_data
    key = data.get("submission_key") or None
    if key:
        existing = Conversation.objects.filter(submission_key=key).first()
        if existing:
            return existing
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
        ip_hash=spam.keyed_hash(ip) if ip and contactkit_settings.STORE_IP == "hash" else "",
        consented_at=timezone.now(),
    )
    saved_files = []
    try:
        with transaction.atomic():
            conversation.save()
            message = Message.objects.create(
                conversation=conversation, kind=Message.Kind.SHOPPER, body=data["message"]
            )
            for upload in data.get("attachments") or []:
                attachment = Attachment(
                    message=message,
                    name=upload.name,
                    content_type=getattr(upload, "sniffed_type", "application/octet-stream"),
                    size=upload.size,
                )
                attachment.file.save(upload.name, upload, save=False)
                saved_files.append(attachment.file)
                attachment.save()
            from contactkit.inbox.emails import queue_new_conversation_emails

            queue_new_conversation_emails(conversation)
    except IntegrityError:
        _delete(saved_files)
        # The same form was sent twice at the same moment: the other request stored it.
        if key and (existing := Conversation.objects.filter(submission_key=key).first()):
            return existing
        raise
    except BaseException:
        _delete(saved_files)
        raise
    return conversation


def _delete(files):
    """Files written before a transaction rolled back would be orphans: remove them."""
    for stored in files:
        stored.storage.delete(stored.name)
