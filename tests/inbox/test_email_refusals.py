"""When the mail server refuses some recipients of an email, that is written down per
recipient and shown, the others are not written to twice, and a temporary refusal is retried
for the refused recipients only."""

from datetime import timedelta

import time_machine
from django.core.management import call_command
from django.utils import timezone

from contactkit.inbox.emails import BACKOFF_MINUTES, send_due_deliveries
from tests.inbox.smtp import mailboxes, smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.inbox.test_emails import (  # noqa: F401
    STAFF,
    arrive_fixture,
    shop_fixture,
    wagtail_root_fixture,
)

BUSY = "450 4.2.1 Mailbox busy, try again later"
UNKNOWN = "550 5.1.1 No such user here"


def test_a_temporary_refusal_is_retried_for_that_recipient_only(arrive, smtp_mailer):
    smtp_mailer.refuse(STAFF[1], BUSY)
    conversation = arrive()

    notification = conversation.deliveries.get(kind="notification")
    assert len(smtp_mailer.to(STAFF[0])) == 1
    assert smtp_mailer.to(STAFF[1]) == []
    assert notification.state == "failed"
    assert notification.sent_at is None
    assert notification.accepted == [STAFF[0]]
    assert notification.refused == {STAFF[1]: BUSY}
    assert STAFF[1] in notification.last_error
    assert BUSY in notification.last_error
    assert STAFF[0] not in notification.last_error

    # Still busy at the next try: still waiting, and the first colleague gets no second copy.
    with time_machine.travel(timezone.now() + timedelta(minutes=BACKOFF_MINUTES[0] + 1)):
        assert send_due_deliveries() == 0
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("failed", 2)

    smtp_mailer.accept(STAFF[1])
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        call_command("contactkit_send_emails", verbosity=0)
    [late] = smtp_mailer.to(STAFF[1])
    assert len(smtp_mailer.to(STAFF[0])) == 1
    # Whoever gets it late still sees who else it went to.
    assert [address for _name, address in mailboxes(late, "To")] == STAFF
    notification.refresh_from_db()
    assert notification.state == "sent"
    assert notification.accepted == [STAFF[0], STAFF[1]]
    assert notification.refused == {}
    assert notification.sent_at is not None
    assert notification.last_error == ""


def test_a_permanent_refusal_is_given_up_and_shown_while_the_others_get_the_email(
    arrive, smtp_mailer
):
    smtp_mailer.refuse(STAFF[1], UNKNOWN)
    conversation = arrive()

    notification = conversation.deliveries.get(kind="notification")
    assert len(smtp_mailer.to(STAFF[0])) == 1
    assert notification.state == "gave_up"
    assert notification.next_attempt_at is None
    assert notification.accepted == [STAFF[0]]
    assert notification.refused == {STAFF[1]: UNKNOWN}
    assert f"{STAFF[1]} was refused by the mail server: {UNKNOWN}" in notification.last_error

    smtp_mailer.accept(STAFF[1])
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        call_command("contactkit_send_emails", verbosity=0)
    assert smtp_mailer.to(STAFF[1]) == []
    assert len(smtp_mailer.to(STAFF[0])) == 1


def test_a_refused_shopper_address_is_not_reported_as_sent(arrive, smtp_mailer):
    smtp_mailer.refuse("ana@example.com", UNKNOWN)
    conversation = arrive()

    confirmation = conversation.deliveries.get(kind="confirmation")
    assert smtp_mailer.to("ana@example.com") == []
    assert confirmation.state == "gave_up"
    assert confirmation.refused == {"ana@example.com": UNKNOWN}
    assert "ana@example.com was refused by the mail server" in confirmation.last_error
    assert conversation.deliveries.get(kind="notification").state == "sent"
