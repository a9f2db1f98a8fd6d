"""The health endpoint a load balancer or a monitor polls: ``GET /contactkit/health/``.

It answers whether this process can serve shoppers, by asking what they need:

- every database answers a query, or the process cannot serve: 503, ``"unavailable"``, and a
  load balancer sends the traffic elsewhere;
- the default cache stores and returns a value, or pages are served without it (slower, limits
  not counted): still 200, but ``"degraded"``, for a monitor to raise.

::

    {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}

Never cached by anyone (``Cache-Control: no-store``), it costs one query and two cache calls.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("contactkit.health")

OK = "ok"
UNAVAILABLE = "unavailable"
DEGRADED = "degraded"


def database_status():
    """ "ok" if every configured database answers ``SELECT 1``, else "unavailable"."""
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as error:
            logger.warning(
                "Health check: the database %r does not answer (%s: %s).",
                alias,
                type(error).__name__,
                str(error).strip(),
            )
            return UNAVAILABLE
    return OK


def cache_status():
    """ "ok" if the default cache gives back what was just stored in it, else "unavailable".

    A value read back, rather than a ping, since contactkit's Redis cache answers as a miss
    (without raising) while Redis is down.
    """
    key = f"contactkit:health:{secrets.token_hex(8)}"
    token = secrets.token_hex(8)
    try:
        cache.set(key, token, 10)
        found = cache.get(key)
        cache.delete(key)
    except Exception as error:  # noqa: BLE001  (any backend, any failure: the cache is not there)
        logger.warning("Health check: the cache fails (%s: %s).", type(error).__name__, error)
        return UNAVAILABLE
    return OK if found == token else UNAVAILABLE


@never_cache
@require_safe
def health(request):
    checks = {"database": database_status(), "cache": cache_status()}
    if checks["database"] != OK:
        status, code = UNAVAILABLE, 503
    elif checks["cache"] != OK:
        status, code = DEGRADED, 200
    else:
        status, code = OK, 200
    response = JsonResponse({"status": status, "checks": checks}, status=code)
    # never_cache says no-cache, no-store, must-revalidate, private: nothing may keep it.
    return response
