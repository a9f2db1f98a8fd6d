"""A Redis cache that a Redis outage slows down to "no cache" instead of breaking pages.

Django's :class:`~django.core.cache.backends.redis.RedisCache` raises when Redis cannot be
reached, so every page, form and chat line that touches the cache would answer 500 while Redis
is down. Everything contactkit keeps in the cache can be lost without losing anything that
matters (a page is rendered again, a limit counts from zero, a typing indicator is not shown);
what must not be lost is in the database. So this backend answers as if each key were missing:

- ``get`` and ``get_many`` return the default / nothing, ``has_key`` False;
- ``set``, ``delete``, ``touch``, ``set_many``, ``delete_many`` and ``clear`` do nothing
  (``set_many`` reports every key as not stored, ``delete`` and ``touch`` return False);
- ``add`` returns True, as if the key had been free: a lock or a "seen" mark is simply not kept,
  so limits and locks fail open and nothing waits for a value that cannot come;
- ``incr`` (and ``decr``) return ``delta``, as if counting started from nothing.

Once Redis does not answer, the cache is left alone for ``down_seconds`` (OPTIONS, default 5)
so that a page does not wait on a dead server for each of its keys, then tried again; the first
failure and the recovery are logged on ``contactkit.cache`` (then at most once a minute while it
lasts). The connection timeouts are short by default (OPTIONS ``socket_connect_timeout`` and
``socket_timeout``, in seconds), for the same reason.

Use it as the default cache::

    CACHES = {"default": {"BACKEND": "contactkit.cache.ResilientRedisCache",
                          "LOCATION": "redis://127.0.0.1:6379/0"}}
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("contactkit.cache")

# Redis on the same network answers in a millisecond; a second without an answer means it is
# gone or stuck, and a page should not wait longer than that for something it can do without.
DEFAULT_POOL_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
DOWN_SECONDS = 5
# While Redis stays down, each process says so at most this often.
REPEAT_LOG_SECONDS = 60

# Per location, shared by the threads of a process (Django gives each thread its own cache
# object): when Redis was last found down, until when it is left alone, when that was logged.
_outages = {}
_outages_lock = threading.Lock()


class _Outage:
    __slots__ = ("down", "logged_at", "until")

    def __init__(self):
        self.down = False
        self.until = 0.0
        self.logged_at = None


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, answering as a cache miss while Redis is unreachable."""

    def __init__(self, server, params):
        options = {**DEFAULT_POOL_OPTIONS, **params.get("OPTIONS", {})}
        # Ours, not the connection pool's: take it out before RedisCache hands OPTIONS on.
        self.down_seconds = options.pop("down_seconds", DOWN_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server if isinstance(server, str) else ",".join(server)
        with _outages_lock:
            self._outage = _outages.setdefault(self._location, _Outage())

    # -- the outage state -----------------------------------------------------------------

    def _is_down(self):
        return time.monotonic() < self._outage.until

    def _failed(self, operation, error):
        outage = self._outage
        now = time.monotonic()
        unreachable = isinstance(error, (RedisConnectionError, RedisTimeoutError))
        news = unreachable and not outage.down
        if unreachable:
            outage.down = True
            outage.until = now + self.down_seconds
        if news or outage.logged_at is None or now - outage.logged_at >= REPEAT_LOG_SECONDS:
            outage.logged_at = now
            if unreachable:
                logger.warning(
                    "The Redis cache at %s is unreachable (%s: %s); pages are served without "
                    "it (nothing cached, limits not counted) and it is tried again every %s s.",
                    self._redacted_location(),
                    type(error).__name__,
                    error,
                    self.down_seconds,
                )
            else:
                logger.error(
                    "The Redis cache failed on %s (%s: %s); answered as a cache miss.",
                    operation,
                    type(error).__name__,
                    error,
                )

    def _succeeded(self):
        outage = self._outage
        if outage.down:
            outage.down = False
            outage.logged_at = None
            logger.info("The Redis cache at %s answers again.", self._redacted_location())

    def _redacted_location(self):
        # A password in redis://:secret@host/0 never goes to the logs.
        return ",".join(
            location.split("@", 1)[-1] if "@" in location else location
            for location in self._location.split(",")
        )

    def _call(self, fallback, operation, *args, **kwargs):
        if self._is_down():
            return fallback
        try:
            result = operation(*args, **kwargs)
        except RedisError as error:
            self._failed(operation.__name__, error)
            return fallback
        self._succeeded()
        return result

    # -- Django's cache API -----------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # decr() is incr() with -delta (BaseCache), so it is covered too.
        return self._call(delta, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
