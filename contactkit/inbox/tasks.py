"""Background tasks of the inbox, run by django_tasks (the task framework Wagtail uses)."""

from django_tasks import task

from contactkit.inbox.emails import RETRYABLE, send_delivery
from contactkit.inbox.models import EmailDelivery


@task()
def send_email_delivery(delivery_id: int) -> bool:
    """Send one :class:`~contactkit.inbox.models.EmailDelivery`; True if it went out.

    On a backend that can run tasks later, a delivery still waiting is tried again by a task
    scheduled for its next attempt. Other backends (the immediate one, by default) leave the
    retries to ``manage.py contactkit_send_emails``.
    """
    sent = send_delivery(delivery_id)
    if not sent and send_email_delivery.get_backend().supports_defer:
        retry_at = (
            EmailDelivery.objects.filter(pk=delivery_id, state__in=RETRYABLE)
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if retry_at:
            send_email_delivery.using(run_after=retry_at).enqueue(delivery_id)
    return sent


@task()
def fetch_mail() -> list:
    """Import the new mails of every support mailbox (``CONTACTKIT_MAILBOXES``).

    Nothing enqueues it by itself: schedule it every minute or two with the worker's scheduler
    or cron, or run ``manage.py contactkit_fetch_mail`` instead (docs/incoming-email.md).
    Returns each mailbox's summary; a mailbox that cannot be read is reported, not raised.
    """
    # Imported here: the mail import stores messages, whose emails import this module.
    from contactkit.inbox.mailin.imap import poll_all

    return [summary.as_dict() for summary in poll_all()]
