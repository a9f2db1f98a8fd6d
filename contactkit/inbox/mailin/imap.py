"""Reading the shop's support mailbox over IMAP (with imap-tools), picking up where it left off.

Each poll of a mailbox folder fetches only the mails with a UID above the last one looked at
(:class:`~contactkit.inbox.models.MailboxState`), and of those only the ones not yet carrying
the keyword ``$ContactkitImported``. Each is imported (:func:`.importer.import_email`), then
marked on the server with that keyword and as read, and the last UID is saved: a poll that
stops half-way goes on from there next time. When the folder's UIDVALIDITY changes (the
folder was recreated, or the server renumbered it) the UIDs start again from 0; the keyword
and the uniqueness of each mail's digest keep anything from being imported twice, also when
two workers poll at the same moment (a short lock in Django's cache keeps them from even
trying, when the cache is shared).

A server that is down, slow or refuses the login never makes a poll raise: the error is
written on the mailbox's state (shown in the inbox, see :mod:`.status`) and logged, and the
next poll tries again.
"""

import contextlib
import imaplib
import logging
import re
import secrets
import ssl
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from wagtail.models import Site

from contactkit.conf import contactkit_settings
from contactkit.inbox.mailin.importer import import_email
from contactkit.inbox.models import MailboxState

logger = logging.getLogger(__name__)

# The keyword set on every mail imported, so no poller imports it again.
IMPORTED = "$ContactkitImported"
# How long one poller keeps others off a mailbox at most (a poller that died frees it then).
LOCK_SECONDS = 15 * 60
DEFAULTS = {"port": 993, "folder": "INBOX", "security": "ssl", "timeout": 30}


@dataclass
class Summary:
    """What one poll of one mailbox did."""

    key: str
    imported: int = 0
    # Mails already imported (by another poller, or before the keyword could be set).
    skipped: int = 0
    outcomes: dict = field(default_factory=dict)
    error: str = ""
    # Another poller was reading this mailbox: this one did nothing.
    busy: bool = False

    def as_dict(self):
        return {
            "key": self.key,
            "imported": self.imported,
            "skipped": self.skipped,
            "outcomes": dict(self.outcomes),
            "error": self.error,
            "busy": self.busy,
        }

    def __str__(self):
        if self.error:
            return f"{self.key}: could not be read: {self.error}"
        if self.busy:
            return f"{self.key}: being read by another worker, skipped."
        counts = ", ".join(f"{count} {name}" for name, count in sorted(self.outcomes.items()))
        return (
            f"{self.key}: imported {self.imported}"
            + (f" ({counts})" if counts else "")
            + f"; already imported {self.skipped}."
        )


def config_of(mailbox):
    """A mailbox's settings with their defaults filled in."""
    return {**DEFAULTS, **mailbox}


def mailbox_key(mailbox):
    mailbox = config_of(mailbox)
    return f"imap:{mailbox['username']}@{mailbox['host']}/{mailbox['folder']}"


def poll_all():
    """Poll every mailbox of ``CONTACTKIT_MAILBOXES``; their summaries."""
    return [poll(mailbox) for mailbox in contactkit_settings.MAILBOXES or []]


def poll(mailbox):
    """Import the new mails of one mailbox (a dict of ``CONTACTKIT_MAILBOXES``); its
    :class:`Summary`. Never raises for the server's sake; database errors do propagate."""
    config = config_of(mailbox)
    key = mailbox_key(config)
    summary = Summary(key)
    lock = f"contactkit:mailbox:{secrets.token_hex(8)}"
    lock_key = f"contactkit:mailbox-lock:{key}"
    # The lock first: a poller that finds the mailbox taken touches nothing, not even the
    # database (SQLite would have two writers at once for the state row).
    if not cache.add(lock_key, lock, LOCK_SECONDS):
        summary.busy = True
        return summary
    try:
        state, _created = MailboxState.objects.get_or_create(key=key)
        _poll(config, state, summary)
    except DatabaseError:
        raise
    except Exception as error:  # noqa: BLE001
        # A refused connection or a timeout (OSError), a refused login (imap-tools'
        # errors), a server that hangs up (imaplib's abort), a wrong setting: all the same
        # to the poller, which writes it down and tries again next time.
        _record_failure(state, error, summary)
    finally:
        if cache.get(lock_key) == lock:
            cache.delete(lock_key)
    return summary


def _poll(config, state, summary):
    site = _site(config.get("site"))
    MailboxState.objects.filter(pk=state.pk).update(last_attempt_at=timezone.now())
    server = _connect(config)
    try:
        try:
            server.login(config["username"], config["password"], initial_folder=None)
        except UnicodeEncodeError:
            server.login_utf8(config["username"], config["password"], initial_folder=None)
        folder = config["folder"]
        validity = server.folder.status(folder, ["UIDVALIDITY"]).get("UIDVALIDITY")
        server.folder.set(folder)
        if state.uid_validity != validity:
            if state.uid_validity is not None:
                logger.warning(
                    "Mailbox %s: UIDVALIDITY changed (%s -> %s), reading it again from the "
                    "start; mails already imported are skipped.",
                    summary.key,
                    state.uid_validity,
                    validity,
                )
            state.uid_validity, state.last_uid = validity, 0
            MailboxState.objects.filter(pk=state.pk).update(uid_validity=validity, last_uid=0)
        criteria = f"UID {state.last_uid + 1}:* UNKEYWORD {IMPORTED}"
        # "n:*" always includes the highest UID, even below n: keep only those above.
        found = map(int, server.uids(criteria, charset=None))
        uids = sorted(uid for uid in found if uid > state.last_uid)
        for uid in uids:
            raw = _fetch(server, uid)
            if raw is not None:
                inbound = import_email(raw, site=site, mailbox=summary.key, uid=str(uid))
                if inbound.imported_now:
                    summary.imported += 1
                    summary.outcomes[inbound.outcome] = summary.outcomes.get(inbound.outcome, 0) + 1
                else:
                    summary.skipped += 1
                del raw
                _mark_imported(server, uid, summary.key)
            state.last_uid = uid
            MailboxState.objects.filter(pk=state.pk, last_uid__lt=uid).update(last_uid=uid)
    finally:
        _log_out(server)
    now = timezone.now()
    MailboxState.objects.filter(pk=state.pk).update(
        last_success_at=now, last_attempt_at=now, last_error="", failures=0
    )


def _log_out(server):
    """Say goodbye to the server if it still listens; a dead connection is just dropped."""
    try:
        server.logout()
    except Exception:  # noqa: BLE001
        with contextlib.suppress(Exception):
            server.client.shutdown()


def _connect(config):
    host, port, timeout = config["host"], int(config["port"]), config["timeout"]
    security = config["security"]
    if security == "ssl":
        return MailBox(host, port, timeout=timeout, ssl_context=ssl.create_default_context())
    if security == "starttls":
        return MailBoxStartTls(
            host, port, timeout=timeout, ssl_context=ssl.create_default_context()
        )
    if security == "none":
        return MailBoxUnencrypted(host, port, timeout=timeout)
    raise ValueError(f"Unknown security {security!r}: use 'ssl', 'starttls' or 'none'.")


def _fetch(server, uid):
    """The raw bytes of mail ``uid``, without marking it read; None if it is gone."""
    status, data = server.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid} failed: {data!r}")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _mark_imported(server, uid, key):
    """Set the keyword and \\Seen; a server without keywords still has the UID and digest."""
    status, data = server.client.uid("STORE", str(uid), "+FLAGS", f"({IMPORTED} \\Seen)")
    if status != "OK":
        logger.warning("Mailbox %s: could not mark UID %s as imported: %r", key, uid, data)


def _record_failure(state, error, summary):
    message = " ".join(f"{type(error).__name__}: {error}".split())
    # A server's answer to a failed login sometimes repeats the command; never the password.
    message = re.sub(r"(?i)(LOGIN\s+\S+\s+)\S+", r"\1***", message)[:1000]
    summary.error = message
    with transaction.atomic():
        MailboxState.objects.filter(pk=state.pk).update(
            last_attempt_at=timezone.now(), last_error=message, failures=F("failures") + 1
        )
    logger.warning("Mailbox %s could not be read: %s", summary.key, message)


def _site(hostname):
    if hostname:
        site = Site.objects.filter(hostname=hostname).order_by("pk").first()
        if site is not None:
            return site
    return Site.objects.filter(is_default_site=True).first()
