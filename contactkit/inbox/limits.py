"""Limits on what one shopper can send: messages per address, email and session, and bytes of
attachments per address.

A limit never drops or hides a message. A message over a message limit is stored with the
status "Held for review" and its reason codes (see :func:`check`); staff decide. Files over the
per-address quota are refused by the form with an explanation, the shopper's text kept (see
:func:`attachment_quota_exceeded`).

Everything is counted through Django's cache, so with a shared cache (Redis, Memcached, the
database cache) the limits hold across every web process; with a per-process cache
(LocMemCache) each process counts on its own, which ``check --deploy`` warns about
(``contactkit.W008``).

The address is the shopper's own, not a proxy's: see :func:`client_address` and
``CONTACTKIT_TRUSTED_PROXIES``.
"""

import ipaddress
import math
import time
from functools import lru_cache

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.base import BaseCache

from contactkit.conf import contactkit_settings

# The reason codes of limits, stored in Conversation.spam_reason (described in spam.py).
RATE_IP = "rate_ip"
RATE_EMAIL = "rate_email"
RATE_SESSION = "rate_session"
QUOTA_FILES = "quota_files"
LIMIT_CODES = {RATE_IP, RATE_EMAIL, RATE_SESSION, QUOTA_FILES}


# The shopper's address


@lru_cache(maxsize=8)
def _networks(proxies):
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def trusted_networks():
    """``CONTACTKIT_TRUSTED_PROXIES`` as networks (a bare address is a network of one)."""
    return _networks(tuple(str(proxy) for proxy in contactkit_settings.TRUSTED_PROXIES or ()))


def _address(value):
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    # An IPv4 client of an IPv6 socket arrives as ::ffff:a.b.c.d: it is the IPv4 address.
    return getattr(address, "ipv4_mapped", None) or address


def _trusted(address, networks):
    return any(address.version == net.version and address in net for net in networks)


def client_address(request):
    """The address of the shopper who sent ``request``, as a string ("" when unknown).

    ``REMOTE_ADDR`` unless it is one of ``CONTACTKIT_TRUSTED_PROXIES``: then X-Forwarded-For is
    read from the right, each trusted proxy skipped, and the first address not trusted is the
    shopper's (whatever the shopper wrote further left is ignored). The header is never read
    when the request did not come from a trusted proxy: anyone can send it.
    """
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_networks()
    address = _address(remote)
    if address is None:
        return remote.strip()
    if not networks or not _trusted(address, networks):
        return str(address)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        hop_address = _address(hop)
        if hop_address is None:
            # Not an address: the proxy next to it is the last thing we can trust.
            break
        address = hop_address
        if not _trusted(address, networks):
            break
    return str(address)


def address_key(address):
    """What limits count an address under: the address, or its /64 network for IPv6.

    One IPv6 connection usually has a whole /64 to pick addresses from.
    """
    parsed = _address(address or "")
    if parsed is None:
        return address or ""
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def session_key(request):
    """The Django session of ``request``, created if it has none yet ("" without sessions).

    A browser keeps its session cookie, so each shopper behind a shared address (an office,
    a mobile network) is counted on their own; a robot that drops cookies is counted by its
    address only.
    """
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key:
        session.save()
    return session.session_key or ""


# Counting


def _bucket_keys(kind, key, window, now):
    bucket = math.floor(now / window)
    prefix = f"contactkit:limit:{kind}:{key}"
    return f"{prefix}:{bucket}", f"{prefix}:{bucket - 1}", now / window - bucket


def _estimate(current, previous, elapsed):
    # A sliding window: the previous window counts for the part of it still inside.
    return current + previous * (1 - elapsed)


def usage(kind, key, window, now=None):
    """How much was counted for ``key`` in the last ``window`` seconds (an estimate)."""
    now = time.time() if now is None else now
    current, previous, elapsed = _bucket_keys(kind, key, window, now)
    values = cache.get_many([current, previous])
    return _estimate(values.get(current, 0), values.get(previous, 0), elapsed)


def add(kind, key, window, amount=1, now=None):
    """Count ``amount`` for ``key`` and return the usage of the last ``window`` seconds.

    The increment is atomic on Redis, Memcached and LocMemCache, so processes counting at the
    same moment never lose a count.
    """
    now = time.time() if now is None else now
    current, previous, elapsed = _bucket_keys(kind, key, window, now)
    timeout = 2 * window + 60
    cache.add(current, 0, timeout=timeout)
    try:
        count = cache.incr(current, amount)
    except ValueError:  # expired between add and incr
        cache.set(current, amount, timeout=timeout)
        count = amount
    if type(caches[DEFAULT_CACHE_ALIAS]).incr is BaseCache.incr:
        # The generic incr (database and file caches) stores with the default timeout.
        cache.touch(current, timeout)
    return _estimate(count, cache.get(previous, 0), elapsed)


def subtract(kind, key, window, amount, now=None):
    """Take back ``amount`` counted by :func:`add` for what was not kept after all."""
    now = time.time() if now is None else now
    current, _previous, _elapsed = _bucket_keys(kind, key, window, now)
    try:
        cache.decr(current, amount)
    except ValueError:
        pass


def _hash(value):
    from contactkit.inbox.spam import keyed_hash

    return keyed_hash(value)


# Message limits


def check(request, email):
    """Count one message and return the codes of the limits it goes over ([] if none).

    Every limit counts every message (spam and held ones included), so a flood cannot hide
    behind one limit. A limit set to None is off.
    """
    reasons = []
    counted = [
        (RATE_IP, "ip", address_key(client_address(request)), contactkit_settings.RATE_LIMIT_IP),
        (RATE_EMAIL, "email", (email or "").strip().lower(), contactkit_settings.RATE_LIMIT_EMAIL),
        (RATE_SESSION, "session", session_key(request), contactkit_settings.RATE_LIMIT_SESSION),
    ]
    for code, kind, value, limit in counted:
        if not value or not limit:
            continue
        count, window = limit
        if add(kind, _hash(value), window) > count:
            reasons.append(code)
    return reasons


# Attachment quota per address


def _quota():
    quota = contactkit_settings.ATTACHMENT_QUOTA_IP
    return quota if quota else None


def attachment_quota_exceeded(request, size):
    """Whether ``size`` more bytes of files from this request's address go over the quota.

    Only looks; :func:`count_attachment_bytes` counts what was stored.
    """
    quota = _quota()
    address = address_key(client_address(request))
    if not quota or not address or not size:
        return False
    limit, window = quota
    return usage("bytes", _hash(address), window) + size > limit


def count_attachment_bytes(request, size):
    """Count ``size`` bytes of files from this request's address; True if that goes over.

    Called when the files are stored: two requests that both passed the form's look at the
    same moment are caught here, and the second one is held.
    """
    quota = _quota()
    address = address_key(client_address(request))
    if not quota or not address or not size:
        return False
    limit, window = quota
    return add("bytes", _hash(address), window, size) > limit


def uncount_attachment_bytes(request, size):
    """Take back ``size`` bytes counted by :func:`count_attachment_bytes` for files that were
    not stored after all (the transaction rolled back, or the form was a double click)."""
    quota = _quota()
    address = address_key(client_address(request))
    if quota and address and size:
        subtract("bytes", _hash(address), quota[1], size)
