"""Whether the support mailboxes can be read, for a warning in the inbox.

A mailbox whose last poll failed is shown to staff until a poll succeeds again: replies by
email do not reach the inbox meanwhile, and staff should know it before shoppers wonder.
"""

from dataclasses import dataclass
from datetime import datetime

from contactkit.conf import contactkit_settings
from contactkit.inbox.mailin.imap import mailbox_key
from contactkit.inbox.models import MailboxState


@dataclass(frozen=True)
class MailboxProblem:
    key: str
    last_error: str
    # When reading it last worked (None: never), so the warning can say "since …".
    since: datetime | None

    def __iter__(self):
        return iter((self.key, self.last_error, self.since))


def mailbox_problems():
    """The configured mailboxes whose last poll failed: ``(key, last_error, since)`` each.

    Mailboxes no longer in ``CONTACTKIT_MAILBOXES`` are left out, however their last poll went.
    """
    keys = [mailbox_key(mailbox) for mailbox in contactkit_settings.MAILBOXES or []]
    if not keys:
        return []
    failing = MailboxState.objects.filter(key__in=keys).exclude(last_error="").order_by("key")
    return [MailboxProblem(state.key, state.last_error, state.last_success_at) for state in failing]
