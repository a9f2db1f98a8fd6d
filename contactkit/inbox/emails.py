"""The inbox's emails: a confirmation to the shopper, a notification to staff, staff's replies.

Each email is an :class:`~contactkit.inbox.models.EmailDelivery` row, created in the same
transaction as what it tells about and sent by a background task once that has committed. A
send that fails stays in the table and is retried with growing pauses, so no email is lost
while SMTP is down; ``contactkit_send_emails`` sends whatever is due.
"""

import logging
from datetime import timedelta
from email.utils import formataddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.text import Truncator, capfirst

from contactkit.conf import contactkit_settings
from contactkit.inbox.models import (
    Conversation,
    EmailDelivery,
    InboxSettings,
    Message,
    Status,
)
from contactkit.profile.shop import Shop

logger = logging.getLogger(__name__)

Kind = EmailDelivery.Kind
State = EmailDelivery.State

# Pauses between tries of a failed email, in minutes; the last one repeats until the email is
# given up (after CONTACTKIT_EMAIL_MAX_ATTEMPTS tries, about 13 hours with the default 8).
BACKOFF_MINUTES = (1, 5, 15, 60, 240)

# How long a delivery being sent is kept from other workers: longer than any SMTP exchange,
# short enough that an email whose worker died is tried again soon.
SENDING_LEASE = timedelta(minutes=10)

RETRYABLE = (State.PENDING, State.FAILED)


def queue_new_conversation_emails(conversation):
    """Create the emails about a new conversation and send them once the transaction commits.

    Call it inside the transaction that stores the conversation and its first message: the
    shopper gets a confirmation, the staff chosen for the topic a notification. Spam gets
    neither. Returns the deliveries created.
    """
    if conversation.status == Status.SPAM:
        return []
    message = conversation.messages.filter(kind=Message.Kind.SHOPPER).first()
    deliveries = [
        EmailDelivery(
            conversation=conversation,
            message=message,
            kind=Kind.CONFIRMATION,
            recipients=[conversation.email],
        )
    ]
    staff = InboxSettings.for_site(conversation.site).recipients_for(conversation.topic)
    if staff:
        deliveries.append(
            EmailDelivery(
                conversation=conversation,
                message=message,
                kind=Kind.NOTIFICATION,
                recipients=staff,
            )
        )
    for delivery in deliveries:
        delivery.save()
        _send_after_commit(delivery)
    return deliveries


def send_reply(conversation, author, body):
    """Record a staff reply in the conversation and email it to the shopper.

    The reply, its delivery, the first-response time and the status (waiting on the customer,
    unless the conversation is closed) are saved together; the email goes out after commit.
    Checking that ``author`` may reply is the caller's job. Returns the reply's message.
    """
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation, kind=Message.Kind.REPLY, author=author, body=body
        )
        delivery = EmailDelivery.objects.create(
            conversation=conversation,
            message=message,
            kind=Kind.REPLY,
            recipients=[conversation.email],
        )
        conversation.mark_answered(message.created_at)
        if conversation.status != Status.CLOSED:
            conversation.status = Status.WAITING
        conversation.save(update_fields=["first_response_at", "status", "updated_at"])
        _send_after_commit(delivery)
    return message


def _send_after_commit(delivery):
    # Imported here because the tasks module imports this one.
    from contactkit.inbox.tasks import send_email_delivery

    # Robust: if the task queue cannot be reached the delivery simply stays pending, and
    # contactkit_send_emails sends it; the shopper's request must not fail for that.
    # (A plain function, not functools.partial: Django logs a robust callback's failure by its
    # __qualname__, which a partial lacks.)
    delivery_id = delivery.pk
    transaction.on_commit(lambda: send_email_delivery.enqueue(delivery_id), robust=True)


def send_delivery(delivery_id, *, now=None):
    """Send one delivery if it is waiting and due; True if it went out now.

    A delivery already sent, given up, being sent by another worker or not due yet is left
    alone, so running the same task twice never sends an email twice. A failed send is
    recorded (attempts, last error, next attempt, or given up after
    ``CONTACTKIT_EMAIL_MAX_ATTEMPTS``) instead of raised; database errors do propagate.
    ``now`` decides what is due and when the next attempt is (the real time by default).
    """
    now = now or timezone.now()
    # One conditional UPDATE claims the delivery: unlike a row lock it is not held while SMTP
    # talks, so the inbox can still write (on SQLite too), and a second worker finds nothing.
    claimed = EmailDelivery.objects.filter(_due(now), pk=delivery_id, state__in=RETRYABLE).update(
        attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE
    )
    if not claimed:
        return False
    delivery = EmailDelivery.objects.select_related("conversation__site", "message").get(
        pk=delivery_id
    )
    try:
        if not build_message(delivery).send():
            raise ValueError("The email has no recipients.")
    except Exception as error:
        _record_failure(delivery, error, now)
        return False
    delivery.state = State.SENT
    delivery.sent_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.save(update_fields=["state", "sent_at", "next_attempt_at"])
    return True


def send_due_deliveries(now=None):
    """Send every waiting delivery whose time has come, oldest first; return how many went out."""
    now = now or timezone.now()
    due = (
        EmailDelivery.objects.filter(_due(now), state__in=RETRYABLE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(send_delivery(pk, now=now) for pk in list(due))


def _due(now):
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _record_failure(delivery, error, now):
    delivery.last_error = f"{type(error).__name__}: {error}"[:500]
    if delivery.attempts >= contactkit_settings.EMAIL_MAX_ATTEMPTS:
        delivery.state = State.GAVE_UP
        delivery.next_attempt_at = None
    else:
        delivery.state = State.FAILED
        pause = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
        delivery.next_attempt_at = now + timedelta(minutes=pause)
    delivery.save(update_fields=["state", "last_error", "next_attempt_at"])
    logger.warning(
        "Email %s (%s, conversation %s) failed on attempt %s: %s",
        delivery.pk,
        delivery.kind,
        delivery.conversation.reference,
        delivery.attempts,
        delivery.last_error,
    )


# --- the emails themselves --------------------------------------------------------------


def build_message(delivery):
    """The plain-text email for ``delivery``, ready to send.

    The shopper's emails are written in the conversation's language, staff's in the site's;
    every email of a conversation refers to the shopper's first message, so mail clients
    show the confirmation and the replies as one thread.
    """
    conversation = delivery.conversation
    shop = Shop.for_site(conversation.site)
    shop_address = InboxSettings.for_site(conversation.site).from_email or shop.email
    shop_name = _one_line(shop.profile.name)
    if delivery.kind == Kind.NOTIFICATION:
        language = settings.LANGUAGE_CODE
    else:
        language = conversation.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "reference": conversation.reference,
            "name": _one_line(conversation.name),
            "shop_name": shop_name,
        }
        reply_to = [shop_address] if shop_address else []
        thread = conversation.thread_message_id
        if delivery.kind == Kind.CONFIRMATION:
            context |= {
                "message": _quoted(delivery.message.body),
                "reply_time": shop.promised_reply_time,
            }
            headers = {
                "Message-ID": _related_id(thread, "confirmation"),
                "In-Reply-To": thread,
                "References": thread,
                "Auto-Submitted": "auto-generated",
            }
        elif delivery.kind == Kind.NOTIFICATION:
            context |= _notification_context(delivery, shop)
            reply_to = [_mailbox(conversation.name, conversation.email)]
            # The notification stands for the shopper's message: when staff answer from
            # their mail program, the shopper's client threads it with the confirmation.
            headers = {"Message-ID": thread, "Auto-Submitted": "auto-generated"}
        else:
            context["body"] = delivery.message.body
            earlier = _earlier_message_ids(conversation, delivery.message)
            headers = {
                "Message-ID": delivery.message.email_message_id,
                "In-Reply-To": earlier[-1] if earlier else "",
                "References": " ".join(earlier),
            }
        subject = render_to_string(f"contactkit/emails/{delivery.kind}_subject.txt", context)
        body = render_to_string(f"contactkit/emails/{delivery.kind}_body.txt", context)
    if shop_address:
        sender = _mailbox(shop_name, shop_address)
    else:
        sender = settings.DEFAULT_FROM_EMAIL
    return EmailMessage(
        subject=_one_line(subject),
        body=body,
        from_email=sender,
        to=list(delivery.recipients),
        reply_to=reply_to,
        headers={name: value for name, value in headers.items() if value},
    )


def _one_line(text):
    """``text`` on one line: line breaks and other invisible characters become single spaces.

    Anything a shopper typed goes through this before it reaches a subject or a header, where
    a line break would start a header of its own (an extra Bcc, say).
    """
    visible = "".join(char if char.isprintable() else " " for char in str(text))
    return " ".join(visible.split())


def _mailbox(name, address):
    """``"Name" <address>``, quoted and encoded as headers need, the name on one line."""
    return formataddr((_one_line(name), address))


def _quoted(text):
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def _summary(text):
    """The first words of a message, short enough for a subject line."""
    return Truncator(Truncator(_one_line(text)).words(8)).chars(60)


def _related_id(message_id, prefix):
    """A Message-ID of the same family as ``message_id``: the same on every try of an email,
    so mail clients drop a copy that a retry sends twice."""
    if not message_id:
        return ""
    return f"<{prefix}.{message_id.removeprefix('<')}"


def _earlier_message_ids(conversation, message):
    """The Message-IDs of the shopper's messages and replies before ``message``, oldest first."""
    earlier = []
    for other in conversation.messages.exclude(kind=Message.Kind.NOTE):
        if other.pk == message.pk:
            break
        earlier.append(other.email_message_id)
    return [message_id for message_id in earlier if message_id]


def _notification_context(delivery, shop):
    conversation = delivery.conversation

    def label(field):
        return capfirst(Conversation._meta.get_field(field).verbose_name)

    received = timezone.localtime(conversation.created_at, ZoneInfo(shop.profile.time_zone))
    rows = [
        (label("reference"), conversation.reference),
        (label("created_at"), formats.date_format(received, "DATETIME_FORMAT")),
        (label("topic"), conversation.get_topic_display()),
        (label("name"), _one_line(conversation.name)),
        (label("email"), conversation.email),
    ]
    if conversation.phone:
        rows.append((label("phone"), conversation.phone.as_international))
    if conversation.order_number:
        rows.append((label("order_number"), conversation.order_number))
    if conversation.language:
        languages = dict(settings.LANGUAGES)
        rows.append(
            (label("language"), languages.get(conversation.language, conversation.language))
        )
    rows += [(_one_line(name), value) for name, value in conversation.extra_fields.items()]
    return {
        "fields": [(name, value) for name, value in rows if value],
        "message_label": capfirst(Message._meta.get_field("body").verbose_name),
        "message": delivery.message.body,
        "summary": _summary(delivery.message.body),
        "topic": conversation.get_topic_display(),
        "attachments": list(delivery.message.attachments.all()),
        "admin_url": _admin_url(conversation),
    }


def _admin_url(conversation):
    try:
        path = reverse("contactkit_inbox:detail", args=[conversation.pk])
    except NoReverseMatch:
        return ""
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or conversation.site.root_url
    return base.rstrip("/") + path
