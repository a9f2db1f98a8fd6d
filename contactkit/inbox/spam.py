"""Spam checks for what shoppers send. Spam is never dropped: it is kept, with the reason.

Checks (a hidden field filled in, a missing or forged timestamp, a form sent too fast, too many
links) say a robot wrote: the message goes to the spam folder. Limits (too many messages, too
many files) live in :mod:`contactkit.inbox.limits`: what trips one is held for review, not
called spam. Both store their reason codes on the conversation, described here for staff.
"""

import hashlib
import hmac
import re
import time

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contactkit.conf import contactkit_settings

TIMESTAMP_SALT = "contactkit.inbox.form-started"
LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)

# Stored on the conversation as a code (with a number where it has one) and shown to staff in
# their own language.
REASONS = {
    "honeypot": _("A hidden field only robots see was filled in."),
    "no_timestamp": _("The form was not opened from the shop's page."),
    "rate_ip": _("Too many messages from the same connection in a short time."),
    "rate_email": _("Too many messages from the same email address in a short time."),
    "rate_session": _("Too many messages from the same browser in a short time."),
    "quota_files": _("Too many files from the same connection in the last hour."),
    "limit": _("Too many messages in this conversation in a short time."),
    "unknown_sender": _(
        "Sent by email by someone other than the shopper, naming one of their conversations."
    ),
}


def form_timestamp(now=None):
    """A signed "form opened at" value for the form's hidden field."""
    return signing.dumps(now if now is not None else time.time(), salt=TIMESTAMP_SALT)


def seconds_since(token, now=None):
    """Seconds since the form was opened, or None if the value is missing or forged."""
    try:
        started = float(signing.loads(token, salt=TIMESTAMP_SALT, max_age=7 * 24 * 3600))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return (now if now is not None else time.time()) - started


def keyed_hash(value):
    """A hash of ``value`` keyed with SECRET_KEY: the same input gives the same hash here only."""
    return hmac.new(
        settings.SECRET_KEY.encode(), value.strip().lower().encode(), hashlib.sha256
    ).hexdigest()


def check(*, honeypot, timestamp, message, now=None):
    """The spam reason codes of a submission, or "" when it looks like a person's message.

    Limits are not checked here: see :func:`contactkit.inbox.limits.check`.
    """
    reasons = []
    if honeypot:
        reasons.append("honeypot")
    elapsed = seconds_since(timestamp, now)
    if elapsed is None:
        reasons.append("no_timestamp")
    elif elapsed < contactkit_settings.MIN_FILL_SECONDS:
        reasons.append(f"too_fast:{max(int(elapsed), 0)}")
    links = len(LINK.findall(message or ""))
    if links > contactkit_settings.MAX_LINKS:
        reasons.append(f"links:{links}")
    return " ".join(reasons)


def describe(code):
    """The reasons of a stored code, in the active language, for staff."""
    texts = []
    for part in (code or "").split():
        name, _sep, number = part.partition(":")
        if name == "too_fast":
            texts.append(
                ngettext(
                    "Sent %(seconds)s second after the form was opened.",
                    "Sent %(seconds)s seconds after the form was opened.",
                    int(number or 0),
                )
                % {"seconds": number}
            )
        elif name == "links":
            texts.append(
                ngettext(
                    "The message has %(count)s link.",
                    "The message has %(count)s links.",
                    int(number or 0),
                )
                % {"count": number}
            )
        elif name == "files_not_kept":
            texts.append(
                ngettext(
                    "%(count)s file was not kept: the quarantine for held and spam messages "
                    "is full.",
                    "%(count)s files were not kept: the quarantine for held and spam messages "
                    "is full.",
                    int(number or 0),
                )
                % {"count": number}
            )
        elif name in REASONS:
            texts.append(str(REASONS[name]))
    return " ".join(texts)
