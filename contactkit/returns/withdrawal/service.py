"""Receiving a confirmed withdrawal: stored first, in one transaction, then acknowledged.

:func:`receive_withdrawal` stores the conversation (topic and source "withdrawal", with its
refund deadline), the shopper's message (the statement as text) and the
:class:`~contactkit.returns.withdrawal.models.Withdrawal` (time of receipt to the second,
fingerprint), and only once that has committed queues the acknowledgement and the staff
notification (:func:`contactkit.inbox.emails.queue_withdrawal_emails`). A withdrawal that
looks like spam or trips a limit is stored all the same, held for review like any message,
and gets no email until staff release it; the shopper still gets the receipt page and its PDF.

The statement is a dict of plain JSON values, as
:meth:`~contactkit.returns.withdrawal.forms.StatementForm.statement` gives it: ``name``,
``email``, ``order_number``, ``order_date`` and ``delivery_date`` (ISO 8601 or ""), ``items``
(``[{"description", "quantity"}]``, empty for the whole order), ``comment``, and the form's
spam traps ``website`` and ``started``.
"""

import datetime as dt

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contactkit.accounts import identity
from contactkit.conf import contactkit_settings
from contactkit.inbox import limits, spam
from contactkit.inbox.models import Conversation, Message, Source, Status, Topic
from contactkit.inbox.submission import NotStored
from contactkit.profile.shop import Shop
from contactkit.returns import orders
from contactkit.returns.choices import ReturnWindow
from contactkit.returns.models import LEGAL_WITHDRAWAL_DAYS
from contactkit.returns.withdrawal.models import Withdrawal

__all__ = [
    "NotStored",
    "check_order",
    "existing",
    "period_days",
    "period_ends",
    "receive_withdrawal",
    "statement_text",
    "unsaved_withdrawal",
]


# The order, as the shop's system knows it


def check_order(order_number, email, site):
    """What the shop's order lookup says of the order: ``{"found", "details"}``.

    ``found`` is True (``details`` is the order as JSON), False (the system does not know that
    order for that email) or None (no order number, no lookup, or it could not answer).
    """
    if not order_number:
        return {"found": None, "details": {}}
    order = orders.look_up(order_number, email, site)
    if order is orders.NOT_CHECKED:
        return {"found": None, "details": {}}
    if order is None:
        return {"found": False, "details": {}}
    return {"found": True, "details": order.as_json()}


def period_days(policy):
    """Days the shopper has to withdraw under ``policy``: what it gives, never under the 14
    days of the law; None when it lets items be returned at any time."""
    if policy.pk is None or not policy.is_set_up:
        return LEGAL_WITHDRAWAL_DAYS
    if policy.window == ReturnWindow.UNLIMITED:
        return None
    days = policy.return_days if policy.is_finite and policy.return_days else 0
    return max(days, LEGAL_WITHDRAWAL_DAYS)


def _date(value):
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def period_ends(policy, statement, order=None):
    """The last day of the withdrawal period, or None when nothing says when it started.

    Counted from the delivery (the shop's system's date first, then the shopper's), else from
    the order; a date the shop's system gives wins over the one typed.
    """
    days = period_days(policy)
    if days is None:
        return None
    details = (order or {}).get("details") or {}
    start = (
        _date(details.get("delivered_on"))
        or _date(statement.get("delivery_date"))
        or _date(details.get("ordered_on"))
        or _date(statement.get("order_date"))
    )
    return start + dt.timedelta(days=days) if start else None


# The statement as stored


def unsaved_withdrawal(statement, **fields):
    """A :class:`Withdrawal` holding ``statement``, not saved: what the confirmation step and
    the receipt show are written out from one of these, so they read alike."""
    return Withdrawal(
        name=statement.get("name") or "",
        email=statement.get("email") or "",
        order_number=statement.get("order_number") or "",
        order_date=_date(statement.get("order_date")),
        delivery_date=_date(statement.get("delivery_date")),
        items=[
            {"description": str(item["description"]), "quantity": int(item["quantity"])}
            for item in statement.get("items") or []
        ],
        comment=statement.get("comment") or "",
        **fields,
    )


def statement_text(withdrawal):
    """The statement as the shopper's message in the inbox, in the active language."""
    from contactkit.returns.withdrawal.pdf import statement_rows

    lines = [_("I hereby withdraw from the contract described below."), ""]
    items = _("Items")
    for label, values in statement_rows(withdrawal):
        if label == items and withdrawal.items:
            lines += [f"{label}:", *(f"- {value}" for value in values)]
        elif len(values) == 1:
            lines.append(f"{label}: {values[0]}")
        else:
            lines += [f"{label}:", *values]
    return "\n".join(lines)


# Receiving it


def existing(confirmation_key):
    """The withdrawal's conversation stored under ``confirmation_key`` already, or None."""
    if not confirmation_key:
        return None
    return (
        Conversation.objects.filter(submission_key=confirmation_key, topic=Topic.WITHDRAWAL)
        .select_related("withdrawal")
        .first()
    )


def receive_withdrawal(
    statement,
    *,
    site,
    request=None,
    confirmation_key=None,
    page=None,
    order=None,
    stated_at=None,
):
    """Store a confirmed withdrawal and return its conversation.

    ``confirmation_key`` makes it idempotent: the same key again (a double click, a replayed
    confirmation) returns the conversation stored the first time. ``order`` is what
    :func:`check_order` said when the shopper stated the withdrawal (looked up now if not
    given); ``stated_at`` (a Unix time) is when the statement was sent, which the form's timer
    is measured to. ``page`` is the Returns page it was sent from.

    Raises :class:`~contactkit.inbox.submission.NotStored` when the database cannot take it
    now: nothing was kept, and the shopper is asked to confirm again.
    """
    try:
        return _receive(
            statement,
            site=site,
            request=request,
            key=confirmation_key or None,
            page=page,
            order=order,
            stated_at=stated_at,
        )
    except OperationalError as error:
        # SQLite's "database is locked" after its busy timeout, or a lost connection.
        raise NotStored(str(error)) from error


def _receive(statement, *, site, request, key, page, order, stated_at):
    if found := existing(key):
        return found
    shop = Shop.for_request(request) if request is not None else Shop.for_site(site)
    if order is None:
        order = check_order(statement.get("order_number"), statement.get("email"), site)
    now = timezone.now().replace(microsecond=0)
    zone = shop.profile.zone
    received_on = now.astimezone(zone).date()
    checks = spam.check(
        honeypot=statement.get("website"),
        timestamp=statement.get("started"),
        message=statement.get("comment"),
        now=stated_at,
    )
    held = limits.check(request, statement.get("email"))
    status = Status.SPAM if checks else Status.HELD if held else Status.NEW
    ip = limits.client_address(request)
    language = translation.get_language() or ""
    conversation = Conversation(
        site=site,
        submission_key=key,
        source=Source.WITHDRAWAL,
        topic=Topic.WITHDRAWAL,
        status=status,
        spam_reason=" ".join([*checks.split(), *held]),
        name=statement.get("name") or "",
        email=statement.get("email") or "",
        order_number=statement.get("order_number") or "",
        language=language,
        form_page=page,
        ip_hash=spam.keyed_hash(ip) if ip and contactkit_settings.STORE_IP == "hash" else "",
        # Withdrawing is a right the law gives, not something the shop needs consent for.
        consented_at=None,
        created_at=now,
        refund_due=received_on + dt.timedelta(days=contactkit_settings.REFUND_DAYS),
    )
    identity.mark(conversation, request)
    withdrawal = unsaved_withdrawal(
        statement,
        received_at=now,
        language=language,
        time_zone=shop.profile.time_zone,
        order_found=order.get("found"),
        order_details=order.get("details") or {},
        period_ends=period_ends(shop.return_policy, statement, order),
    )
    try:
        with transaction.atomic():
            conversation.save()
            Message.objects.create(
                conversation=conversation,
                kind=Message.Kind.SHOPPER,
                via=Message.Via.WITHDRAWAL,
                body=statement_text(withdrawal),
                created_at=now,
            )
            withdrawal.conversation = conversation
            withdrawal.sign()
            withdrawal.save()
            if conversation.status == Status.NEW:
                _acknowledge_after_commit(conversation.pk)
    except IntegrityError:
        conversation.pk = None
        conversation.reference = ""
        # The same confirmation at the same moment: the other request stored it.
        if found := existing(key):
            return found
        raise
    except BaseException:
        conversation.pk = None
        conversation.reference = ""
        raise
    return conversation


def _acknowledge_after_commit(conversation_id):
    """Queue the acknowledgement and the staff notification once the withdrawal is stored.

    After the commit, and robust: whatever goes wrong with the emails, the withdrawal stays
    stored, and its receipt page tells the shopper no email was sent.
    """

    def queue_withdrawal_emails():
        # Imported here: the emails import the inbox's models and tasks.
        from contactkit.inbox.emails import queue_withdrawal_emails as queue

        conversation = Conversation.objects.select_related("withdrawal", "site").get(
            pk=conversation_id
        )
        with transaction.atomic():
            queue(conversation)

    transaction.on_commit(queue_withdrawal_emails, robust=True)
