"""Spam checks for what shoppers send. Spam is never dropped: it is kept, with the reason.

Rate limits count through Django's cache, so with a shared cache (Redis) they hold across
every web process.
"""

import hashlib
import hmac
import re
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
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


def client_ip(request):
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _over_limit(kind, key, limit):
    """Count one message for ``key`` and say whether it goes over ``limit`` (count, seconds)."""
    count, window = limit
    cache_key = f"contactkit:rate:{kind}:{key}"
    cache.add(cache_key, 0, timeout=window)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        used = 1
    return used > count


def check(*, honeypot, timestamp, message, email, ip, now=None):
    """The spam reason code for a submission, or "" when it looks like a person's message.

    Every check runs, so the rate-limit counters see every message, spam included.
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
    if ip and _over_limit("ip", keyed_hash(ip), contactkit_settings.RATE_LIMIT_IP):
        reasons.append("rate_ip")
    if email and _over_limit("email", keyed_hash(email), contactkit_settings.RATE_LIMIT_EMAIL):
        reasons.append("rate_email")
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
        elif name in REASONS:
            texts.append(str(REASONS[name]))
    return " ".join(texts)
