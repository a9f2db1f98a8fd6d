"""bench/pages.py: the demo's production settings, plus only what a benchmark needs.

Everything is demoshop.settings.production (DEBUG off, whitenoise, the cache it picks: Redis with
REDIS_URL, else each process's memory; the task backend it picks; CONTACTKIT_PAGE_CACHE_SECONDS
from the environment). On top of it:

- the throw-away run's folders (BENCH_STATIC_ROOT, BENCH_MEDIA_ROOT) and a URLconf with the
  floor view (bench/urls_bench.py);
- no per-address, per-email or per-session limits and no minimum fill time: every simulated
  shopper writes from 127.0.0.1 within a second of opening the form, which the limits would
  rightly hold for review or call spam. The benchmark measures the server, not the limits;
- emails built by Django's dummy backend (the peer's are too): nothing leaves the machine;
- BENCH_CACHE=dummy: Django's DummyCache for every cache alias, so nothing is cached at all
  (the cold run); BENCH_KEY_PREFIX keeps servers that share one Redis apart.
"""

import os
from pathlib import Path

from demoshop.settings.production import *  # noqa: F403

ROOT_URLCONF = "urls_bench"

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
if os.environ.get("BENCH_MEDIA_ROOT"):
    MEDIA_ROOT = Path(os.environ["BENCH_MEDIA_ROOT"])

CONTACTKIT_RATE_LIMIT_IP = None
CONTACTKIT_RATE_LIMIT_EMAIL = None
CONTACTKIT_RATE_LIMIT_SESSION = None
CONTACTKIT_ATTACHMENT_QUOTA_IP = None
CONTACTKIT_API_RATE_LIMIT_IP = None
CONTACTKIT_API_RATE_LIMIT_ORIGIN = None
CONTACTKIT_MIN_FILL_SECONDS = 0

# Read here too, in case the production settings do not read it themselves.
if os.environ.get("CONTACTKIT_PAGE_CACHE_SECONDS"):
    CONTACTKIT_PAGE_CACHE_SECONDS = int(os.environ["CONTACTKIT_PAGE_CACHE_SECONDS"])

globals().update(mail_settings("django.core.mail.backends.dummy.EmailBackend"))  # noqa: F405

if os.environ.get("BENCH_CACHE") == "dummy":
    CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        for alias in {"default", *globals().get("CACHES", {})}
    }
elif os.environ.get("BENCH_KEY_PREFIX") and "CACHES" in globals():
    for _cache in CACHES.values():  # noqa: F405
        _cache["KEY_PREFIX"] = os.environ["BENCH_KEY_PREFIX"]
