"""The inbox's emails: a confirmation to the shopper, a notification to staff, staff's replies,
and a note to whoever a conversation is assigned to.

Each email is an :class:`~contactkit.inbox.models.EmailDelivery` row, created in the same
transaction as what it tells about and sent by a background task once that has committed. A
send that fails stays in the table and is retried with growing pauses, so no email is lost
while SMTP is down; ``contactkit_send_emails`` sends whatever is due.

What the mail server does is kept per recipient (``accepted``, ``refused`` with its answer): an
email is sent only once every recipient was accepted, a retry goes only to those not accepted
yet, and a permanent refusal (a 5xx answer) is given up and shown, naming the address.
"""

import logging
from datetime import timedelta
from email.headerregistry import Address
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext, ngettext
from wagtail.users.models import UserProfile

from contactkit.conf import contactkit_settings
from contactkit.inbox import mailer, threads
from contactkit.inbox.models import (
    Conversation,
    EmailDelivery,
    InboxSettings,
    Message,
    Status,
    Topic,
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

# The emails to the shopper: each carries a fresh link to their conversation page.
SHOPPER_EMAILS = (Kind.CONFIRMATION, Kind.ACKNOWLEDGEMENT, Kind.REPLY, Kind.THREAD_LINK)


def queue_new_conversation_emails(conversation):
    """Create the emails about a new conversation and send them once the transaction commits.

    Call it inside the transaction that stores the conversation and its first message: the
    shopper gets a confirmation, the staff chosen for the topic a notification. Spam and
    messages held for review get neither (call it again when staff release one). A withdrawal
    gets its acknowledgement instead of the confirmation (see :func:`queue_withdrawal_emails`).
    Returns the deliveries created.
    """
    if _withdrawal_of(conversation) is not None:
        return queue_withdrawal_emails(conversation)
    return _queue_shopper_and_staff(conversation, Kind.CONFIRMATION, conversation.email)


def queue_withdrawal_emails(conversation):
    """The acknowledgement of a withdrawal to the shopper and the notification to staff.

    Call it inside the transaction that stores the withdrawal: both are sent once it has
    committed, and retried like any email while SMTP is down (the withdrawal is stored either
    way, and its receipt page shows the same). The acknowledgement goes to the email the
    statement gives for the receipt, with the receipt as a PDF. Like any message, a withdrawal
    held for review or taken for spam gets no email until staff release it. Returns the
    deliveries created.
    """
    withdrawal = _withdrawal_of(conversation)
    address = (withdrawal.email if withdrawal is not None else "") or conversation.email
    return _queue_shopper_and_staff(conversation, Kind.ACKNOWLEDGEMENT, address)


def _queue_shopper_and_staff(conversation, kind, address):
    if conversation.status in (Status.SPAM, Status.HELD):
        return []
    message = conversation.messages.filter(kind=Message.Kind.SHOPPER).first()
    deliveries = [
        EmailDelivery(
            conversation=conversation,
            message=message,
            kind=kind,
            recipients=[address],
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


def _withdrawal_of(conversation):
    """The withdrawal ``conversation`` holds, or None."""
    if conversation.topic != Topic.WITHDRAWAL or conversation.pk is None:
        return None
    try:
        return conversation.withdrawal
    except ObjectDoesNotExist:
        return None


def send_reply(conversation, author, body, *, via=Message.Via.ADMIN, email=True):
    """Record a staff reply in the conversation and email it to the shopper.

    ``email=False`` records it without an email: a live chat's answer the shopper reads as it
    is written (see :mod:`contactkit.launcher.chat`).

    The reply, its delivery, the first-response time and the status (waiting on the customer,
    unless the conversation is closed) are saved together; the email goes out after commit.
    Checking that ``author`` may reply is the caller's job. Returns the reply's message.
    """
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            kind=Message.Kind.REPLY,
            via=via,
            author=author,
            body=body,
        )
        delivery = None
        if email:
            delivery = EmailDelivery.objects.create(
                conversation=conversation,
                message=message,
                kind=Kind.REPLY,
                recipients=[conversation.email],
            )
        conversation.mark_answered(message.created_at, author)
        if conversation.status != Status.CLOSED:
            conversation.status = Status.WAITING
        conversation.save(
            update_fields=["first_response_at", "first_response_by", "status", "updated_at"]
        )
        if delivery is not None:
            _send_after_commit(delivery)
    return message


def queue_assignment_email(conversation, assignee, assigned_by=None):
    """Tell ``assignee`` by email that ``conversation`` is now theirs, once the transaction commits.

    Call it inside the transaction that assigns the conversation. The email is written in the
    assignee's admin language and links to the conversation. Nobody is emailed when the assignee
    has no email address or assigned the conversation to themselves. Returns the delivery, or
    None.
    """
    if assignee is None or not assignee.email:
        return None
    if assigned_by is not None and assigned_by.pk == assignee.pk:
        return None
    delivery = EmailDelivery.objects.create(
        conversation=conversation,
        message=conversation.messages.filter(kind=Message.Kind.SHOPPER).last(),
        kind=Kind.ASSIGNMENT,
        recipients=[assignee.email],
    )
    _send_after_commit(delivery)
    return delivery


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
    # What is written down for staff (errors, refusals) is in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            waiting = _waiting_recipients(delivery)
            if not waiting:
                raise ValueError("The email has no recipients.")
            outcome = mailer.send(build_message(delivery), waiting)
        except Exception as error:
            _record_failure(delivery, f"{type(error).__name__}: {error}", now)
            return False
        return _record_outcome(delivery, outcome, now)


def send_due_deliveries(now=None, *, stop=None):
    """Send every waiting delivery whose time has come, oldest first; return how many went out.

    ``stop``, a callable, is asked before each delivery: once it answers true, the rest are
    left for the next run (a service being stopped finishes the email it is sending, no more).
    """
    now = now or timezone.now()
    due = (
        EmailDelivery.objects.filter(_due(now), state__in=RETRYABLE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due):
        if stop is not None and stop():
            break
        sent += send_delivery(pk, now=now)
    return sent


def _due(now):
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _waiting_recipients(delivery):
    """The recipients still to be sent to: not accepted yet, nor refused for good."""
    return [
        address
        for address in delivery.recipients
        if address not in delivery.accepted
        and not mailer.is_permanent(delivery.refused.get(address, ""))
    ]


def _record_outcome(delivery, outcome, now):
    """Write down whom the server accepted and refused; True if now everybody has the email."""
    accepted = list(delivery.accepted)
    accepted += [address for address in outcome.accepted if address not in accepted]
    refused = {**delivery.refused, **outcome.refused}
    delivery.accepted = accepted
    delivery.refused = {
        address: answer for address, answer in refused.items() if address not in accepted
    }
    if all(address in accepted for address in delivery.recipients):
        delivery.state = State.SENT
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.save(
            update_fields=["state", "sent_at", "next_attempt_at", "last_error"]
            + ["accepted", "refused"]
        )
        return True
    error = "; ".join(
        gettext("%(address)s was refused by the mail server: %(answer)s")
        % {"address": address, "answer": answer}
        for address, answer in delivery.refused.items()
    )
    _record_failure(delivery, error, now, give_up=not _waiting_recipients(delivery))
    return False


def _record_failure(delivery, error, now, *, give_up=False):
    delivery.last_error = error[:500]
    if give_up or delivery.attempts >= contactkit_settings.EMAIL_MAX_ATTEMPTS:
        delivery.state = State.GAVE_UP
        delivery.next_attempt_at = None
    else:
        delivery.state = State.FAILED
        pause = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
        delivery.next_attempt_at = now + timedelta(minutes=pause)
    delivery.save(update_fields=["state", "last_error", "next_attempt_at", "accepted", "refused"])
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

    The shopper's emails are written in the conversation's language, the notification in the
    site's and an assignment in the assignee's admin language. The notification stands for the
    shopper's message (it carries its Message-ID); the confirmation refers to it, and replies
    refer to the confirmation and the earlier replies: only to emails the shopper has, so mail
    programs show them as one thread.
    """
    conversation = delivery.conversation
    withdrawal = _withdrawal_of(conversation)
    if delivery.kind == Kind.NOTIFICATION:
        language = settings.LANGUAGE_CODE
    elif delivery.kind in (Kind.ASSIGNMENT, Kind.FOLLOW_UP):
        language = _admin_language(conversation, delivery.recipients)
    elif withdrawal is not None and withdrawal.language:
        language = withdrawal.language
    else:
        language = conversation.language or settings.LANGUAGE_CODE
    attachments = []
    with translation.override(language):
        # The shop's own words (its reply time, its name) in the email's language.
        shop = Shop.for_site(conversation.site)
        shop_address = InboxSettings.for_site(conversation.site).from_email or shop.email
        shop_name = _one_line(shop.profile.name)
        context = {
            "reference": conversation.reference,
            "name": _one_line(conversation.name),
            "shop_name": shop_name,
        }
        reply_to = [reply_address(conversation) or shop_address] if shop_address else []
        thread = conversation.thread_message_id
        if delivery.kind in SHOPPER_EMAILS:
            # The shopper's own page of the conversation: a fresh link in every email.
            context["thread_url"] = threads.thread_url(conversation, language)
        if delivery.kind == Kind.THREAD_LINK:
            # The shopper asked for a new link to their conversation page.
            headers = {
                "Message-ID": _related_id(thread, f"link-{delivery.pk}"),
                "In-Reply-To": thread,
                "References": thread,
                "Auto-Submitted": "auto-generated",
            }
        elif delivery.kind == Kind.CONFIRMATION:
            context |= {
                "message": _quoted(delivery.message.body),
                "reply_time": shop.expected_reply_time,
                "return_instructions": _return_instructions(conversation, shop),
            }
            headers = {
                "Message-ID": _confirmation_id(thread),
                "In-Reply-To": thread,
                "References": thread,
                "Auto-Submitted": "auto-generated",
            }
        elif delivery.kind == Kind.ACKNOWLEDGEMENT:
            from contactkit.returns.withdrawal.pdf import receipt_pdf

            context |= _acknowledgement_context(withdrawal, shop)
            headers = {
                "Message-ID": _acknowledgement_id(thread),
                "In-Reply-To": thread,
                "References": thread,
                "Auto-Submitted": "auto-generated",
            }
            attachments.append(
                (
                    f"receipt-{conversation.reference}.pdf",
                    receipt_pdf(withdrawal, language),
                    "application/pdf",
                )
            )
        elif delivery.kind == Kind.NOTIFICATION:
            context |= _notification_context(delivery, shop)
            reply_to = [_mailbox(conversation.name, conversation.email)]
            # The notification stands for the shopper's message: when staff answer from
            # their mail program, the shopper's client threads it with the confirmation,
            # which refers to this Message-ID.
            headers = {"Message-ID": thread, "Auto-Submitted": "auto-generated"}
        elif delivery.kind == Kind.FOLLOW_UP:
            context |= _follow_up_context(delivery)
            reply_to = [_mailbox(conversation.name, conversation.email)]
            # Threaded with the notification of the first message in staff's mail program.
            headers = {
                "Message-ID": _related_id(delivery.message.email_message_id, "follow-up"),
                "In-Reply-To": thread,
                "References": thread,
                "Auto-Submitted": "auto-generated",
            }
        elif delivery.kind == Kind.ASSIGNMENT:
            context |= _assignment_context(delivery)
            # One Message-ID per assignment, the same on every try; threaded with the
            # notification in staff's mail program.
            headers = {
                "Message-ID": _related_id(thread, f"assignment-{delivery.pk}"),
                "References": thread,
                "Auto-Submitted": "auto-generated",
            }
        else:
            context["body"] = delivery.message.body
            earlier = _received_message_ids(conversation, delivery.message)
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
    return mailer.Email(
        subject=_one_line(subject),
        body=body,
        from_email=sender,
        to=list(delivery.recipients),
        reply_to=reply_to,
        headers={name: value for name, value in headers.items() if value},
        attachments=attachments,
    )


def reply_address(conversation):
    """The conversation's own reply address (``CONTACTKIT_REPLY_ADDRESS`` with its token),
    or "" when the shop's mail server has no plus addressing set up."""
    pattern = contactkit_settings.REPLY_ADDRESS
    if not pattern:
        return ""
    return pattern.replace("{token}", conversation.reply_token)


def _one_line(text):
    """``text`` on one line: line breaks and other invisible characters become single spaces.

    Anything a shopper typed goes through this before it reaches a subject or a header, where
    a line break would start a header of its own (an extra Bcc, say).
    """
    visible = "".join(char if char.isprintable() else " " for char in str(text))
    return " ".join(visible.split())


def _mailbox(name, address):
    """``"Name" <address>``, quoted as headers need, the name on one line.

    The address may have an internationalised domain or local part: Django punycodes the
    domain, and :mod:`contactkit.inbox.mailer` sends a non-ASCII local part with SMTPUTF8.
    """
    local, _at, domain = address.rpartition("@")
    return str(Address(display_name=_one_line(name), username=local, domain=domain))


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


def _confirmation_id(thread):
    return _related_id(thread, "confirmation")


def _acknowledgement_id(thread):
    return _related_id(thread, "acknowledgement")


def _received_message_ids(conversation, message):
    """The Message-IDs of the emails the shopper got before ``message``, oldest first.

    The confirmation (or a withdrawal's acknowledgement), then the earlier replies, leaving
    out those given up. Not the shopper's
    first message: its Message-ID is the staff notification's, an email the shopper never got
    (and one held for review had neither notification nor confirmation).
    """
    received = []
    first = set(
        conversation.deliveries.filter(kind__in=[Kind.CONFIRMATION, Kind.ACKNOWLEDGEMENT])
        .exclude(state=State.GAVE_UP)
        .values_list("kind", flat=True)
    )
    if Kind.CONFIRMATION in first:
        received.append(_confirmation_id(conversation.thread_message_id))
    if Kind.ACKNOWLEDGEMENT in first:
        received.append(_acknowledgement_id(conversation.thread_message_id))
    replies = (
        conversation.messages.filter(kind=Message.Kind.REPLY, deliveries__kind=Kind.REPLY)
        .exclude(deliveries__state=State.GAVE_UP)
        .exclude(pk=message.pk)
        .filter(
            Q(created_at__lt=message.created_at)
            | Q(created_at=message.created_at, pk__lt=message.pk)
        )
        .order_by("created_at", "pk")
        .values_list("email_message_id", flat=True)
    )
    received += replies
    return [message_id for message_id in dict.fromkeys(received) if message_id]


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
    message = delivery.message
    body = message.body if message else ""
    withdrawal = _withdrawal_of(conversation)
    if withdrawal is not None:
        from contactkit.returns.withdrawal.pdf import received_at_text

        rows += [
            (gettext("Received at"), received_at_text(withdrawal, shop)),
            (label("refund_due"), _refund_due_text(withdrawal, shop)),
        ]
        # A withdrawal is its statement: staff read it as the shopper will on the receipt.
        body = body or _statement_text(withdrawal)
    return {
        "fields": [(name, value) for name, value in rows if value],
        "message_label": capfirst(Message._meta.get_field("body").verbose_name),
        "message": body,
        "summary": _summary(body),
        "topic": conversation.get_topic_display(),
        "attachments": list(message.attachments.all()) if message else [],
        "admin_url": _admin_url(conversation),
    }


def _admin_language(conversation, recipients):
    """The Wagtail admin language of the staff member an email is for, else the site's."""
    users = []
    if conversation.assignee and conversation.assignee.email in recipients:
        users.append(conversation.assignee)
    users += get_user_model().objects.filter(email__in=recipients).order_by("pk")[:1]
    for user in users:
        language = (
            UserProfile.objects.filter(user=user)
            .values_list("preferred_language", flat=True)
            .first()
        )
        if language:
            return language
    return settings.LANGUAGE_CODE


def _assignment_context(delivery):
    conversation = delivery.conversation
    message = delivery.message

    def label(field):
        return capfirst(Conversation._meta.get_field(field).verbose_name)

    return {
        "fields": [
            (label("reference"), conversation.reference),
            (label("name"), _one_line(conversation.name)),
            (label("topic"), conversation.get_topic_display()),
        ],
        "topic": conversation.get_topic_display(),
        "message_label": capfirst(Message._meta.get_field("body").verbose_name),
        "preview": _quoted(Truncator(message.body).chars(300)) if message else "",
        "admin_url": _admin_url(conversation),
    }


def _follow_up_context(delivery):
    conversation = delivery.conversation
    message = delivery.message

    def label(field):
        return capfirst(Conversation._meta.get_field(field).verbose_name)

    return {
        "fields": [
            (label("reference"), conversation.reference),
            (label("name"), _one_line(conversation.name)),
            (label("email"), conversation.email),
            (label("topic"), conversation.get_topic_display()),
            (label("status"), conversation.get_status_display()),
        ],
        "via": message.get_via_display() if message.via else "",
        "message_label": capfirst(Message._meta.get_field("body").verbose_name),
        "message": message.body,
        "summary": _summary(message.body),
        "attachments": list(message.attachments.all()),
        "admin_url": _admin_url(conversation),
    }


def _admin_url(conversation):
    try:
        path = reverse("contactkit_inbox:detail", args=[conversation.pk])
    except NoReverseMatch:
        return ""
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or conversation.site.root_url
    return base.rstrip("/") + path


# --- withdrawals and returns -------------------------------------------------------------


def _return_instructions(conversation, shop):
    """How to send the items back, for a return request's confirmation (else nothing)."""
    if conversation.topic != Topic.RETURN:
        return []
    from contactkit.returns.text import return_instructions

    return return_instructions(shop.return_policy, shop.profile)


def _acknowledgement_context(withdrawal, shop):
    """The receipt of a withdrawal, as the email tells it (the PDF attached says the same)."""
    from contactkit.returns.text import return_instructions
    from contactkit.returns.withdrawal import fingerprint, links, pdf

    days = contactkit_settings.REFUND_DAYS
    items = gettext("Items")
    return {
        "name": _one_line(withdrawal.name),
        "title": pdf.title(),
        "received_at": pdf.received_at_text(withdrawal, shop),
        # (label, lines, whether the lines are a list): the items are, a comment's lines not.
        "statement": [
            (label, [_one_line(line) for line in lines], label == items and bool(withdrawal.items))
            for label, lines in pdf.statement_rows(withdrawal)
        ],
        "fingerprint": fingerprint.formatted(withdrawal.fingerprint),
        "fingerprint_sentence": pdf.fingerprint_sentence(),
        "receipt_sentence": pdf.receipt_sentence(),
        "refund": ngettext(
            "If your withdrawal is valid, we refund your payments within %(days)s day of "
            "receiving it, that is by %(date)s. We may wait until we have the items back, or "
            "until you show us that you have sent them.",
            "If your withdrawal is valid, we refund your payments within %(days)s days of "
            "receiving it, that is by %(date)s. We may wait until we have the items back, or "
            "until you show us that you have sent them.",
            days,
        )
        % {"days": days, "date": _refund_due_text(withdrawal, shop)},
        "return_instructions": return_instructions(shop.return_policy, shop.profile),
        "receipt_url": links.receipt_url(withdrawal),
    }


def _refund_due_text(withdrawal, shop):
    """The refund deadline: the conversation's, else the receipt's date in the shop's time
    zone plus ``CONTACTKIT_REFUND_DAYS``."""
    from contactkit.returns.withdrawal.pdf import zone_of

    due = withdrawal.conversation.refund_due
    if due is None:
        received = withdrawal.received_at.astimezone(zone_of(withdrawal, shop)).date()
        due = received + timedelta(days=contactkit_settings.REFUND_DAYS)
    return formats.date_format(due, "DATE_FORMAT")


def _statement_text(withdrawal):
    from contactkit.returns.withdrawal.pdf import statement_rows

    lines = []
    for label, values in statement_rows(withdrawal):
        if len(values) == 1:
            lines.append(f"{label}: {values[0]}")
        else:
            lines += [f"{label}:", *(f"- {value}" for value in values)]
    return "\n".join(lines)
