"""ResilientRedisCache: while Redis is down, every call answers as a miss at once, nothing
raises, the outage is logged once, and Redis is used again when it comes back."""

import logging
import time

import pytest
from django.core.cache import cache
from django.test import Client

from contactkit.cache import ResilientRedisCache
from contactkit.inbox import limits
from tests.deploy.servers import RedisServer

DOWN_SECONDS = 0.3


@pytest.fixture
def redis():
    server = RedisServer().start()
    yield server
    server.kill()


@pytest.fixture
def redis_cache(redis):
    return ResilientRedisCache(redis.url, {"OPTIONS": {"down_seconds": DOWN_SECONDS}})


def every_call(cache):
    """Each of Django's cache calls once, and what it answered."""
    return {
        "get": cache.get("k", "default"),
        "get_many": cache.get_many(["k", "n"]),
        "has_key": cache.has_key("k"),
        "add": cache.add("new", 1),
        "set": cache.set("k", "v"),
        "set_many": cache.set_many({"a": 1, "b": 2}),
        "touch": cache.touch("k", 60),
        "incr": cache.incr("n", 3),
        "decr": cache.decr("n", 1),
        "delete": cache.delete("k"),
        "delete_many": cache.delete_many(["a", "b"]),
        "get_or_set": cache.get_or_set("computed", lambda: "fresh"),
        "clear": cache.clear(),
    }


def test_with_redis_up_it_is_django_s_redis_cache(redis, redis_cache):
    redis_cache.set("k", {"open": True}, 60)
    assert redis_cache.get("k") == {"open": True}
    assert redis_cache.add("n", 1) and not redis_cache.add("n", 5)
    assert redis_cache.incr("n", 2) == 3
    assert redis_cache.get_many(["k", "n", "x"]) == {"k": {"open": True}, "n": 3}
    # Another process (another cache object) sees the same values.
    other = ResilientRedisCache(redis.url, {})
    assert other.get("n") == 3


def test_with_redis_down_every_call_is_a_miss_and_nothing_raises(redis, redis_cache, caplog):
    redis_cache.set("k", "kept while Redis was up", 60)
    redis.kill()
    caplog.set_level(logging.INFO, logger="contactkit.cache")

    started = time.monotonic()
    answers = every_call(redis_cache)
    assert time.monotonic() - started < 1

    assert answers == {
        "get": "default",
        "get_many": {},
        "has_key": False,
        "add": True,  # as if the key were free: a lock or a mark is simply not kept
        "set": None,
        "set_many": ["a", "b"],  # reported as not stored
        "touch": False,
        "incr": 3,  # counting starts again from nothing
        "decr": -1,
        "delete": False,
        "delete_many": None,
        "get_or_set": "fresh",
        "clear": False,
    }
    warnings = [r for r in caplog.records if r.name == "contactkit.cache"]
    assert len(warnings) == 1  # once, not once per call
    assert warnings[0].levelno == logging.WARNING
    assert "unreachable" in warnings[0].getMessage()
    assert f"127.0.0.1:{redis.port}" in warnings[0].getMessage()


def test_redis_is_used_again_once_it_is_back(redis, redis_cache, caplog):
    redis.kill()
    caplog.set_level(logging.INFO, logger="contactkit.cache")
    assert redis_cache.get("k") is None
    redis.start()
    time.sleep(DOWN_SECONDS + 0.1)
    redis_cache.set("k", "back", 60)
    assert redis_cache.get("k") == "back"
    assert "answers again" in caplog.records[-1].getMessage()


@pytest.fixture
def down_redis_as_default_cache(settings, redis):
    """Django's default cache: our Redis, which is then killed."""
    settings.CACHES = {
        "default": {
            "BACKEND": "contactkit.cache.ResilientRedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"down_seconds": DOWN_SECONDS},
        }
    }
    cache.set("warm", 1)
    redis.kill()


def test_the_contact_form_limits_fail_open_without_redis(down_redis_as_default_cache):
    # A shopper is never held back because the counter could not be kept.
    for _ in range(10):
        assert limits.add("ip", "198.51.100.7", 600) <= 1
    assert limits.usage("ip", "198.51.100.7", 600) == 0
    limits.subtract("ip", "198.51.100.7", 600, 1)


def test_health_says_degraded_without_the_cache(db, down_redis_as_default_cache):
    response = Client().get("/contactkit/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "unavailable"},
    }


def test_health_says_ok_with_the_cache(db, redis, settings):
    settings.CACHES = {
        "default": {"BACKEND": "contactkit.cache.ResilientRedisCache", "LOCATION": redis.url}
    }
    response = Client().get("/contactkit/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert (
        response.headers["Cache-Control"]
        == "max-age=0, no-cache, no-store, must-revalidate, private"
    )
