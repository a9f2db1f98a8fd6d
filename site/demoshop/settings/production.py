"""Production: everything secret or host-specific comes from the environment.

Every variable, what it does and its default are in docs/deploy.md. Required: SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL. Any number of web processes (gunicorn) and task workers
(``manage.py db_worker``) can run with the same environment: what one process needs from
another is in the database (messages, queued emails) or the shared cache (Redis).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *


def _env(name):
    try:
        return os.environ[name]
    except KeyError:
        raise ImproperlyConfigured(f"Set the {name} environment variable.") from None


def _flag(name, default):
    """An on/off variable: 1, true, yes or on (any case) is on."""
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = False
SECRET_KEY = _env("SECRET_KEY")
# Old keys still accepted for signatures (sessions, links in emails) while a new key rolls out.
SECRET_KEY_FALLBACKS = _list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = [host.strip() for host in _env("ALLOWED_HOSTS").split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", WAGTAILADMIN_BASE_URL)

# --- Database -------------------------------------------------------------------------------
# Connections are kept between requests and checked before reuse, so a process whose database
# restarted recovers on its own (contactkit.middleware answers 503 meanwhile).
DATABASES = {
    "default": sqlite_for_concurrent_writes(
        dj_database_url.parse(_env("DATABASE_URL"), conn_max_age=600, conn_health_checks=True)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails the request in seconds, not minutes (a query
    # string in DATABASE_URL, ?connect_timeout=N, wins).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

# --- Cache ------------------------------------------------------------------------------------
# Redis, shared by every process: the page cache, rate limits, chat presence and typing. While
# Redis is down, ResilientRedisCache answers as a miss (pages slower, limits not counted,
# nothing lost). Without REDIS_URL, each process has its own memory cache, fine for a single
# process only (check --deploy says so: contactkit.W008).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "contactkit.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The longest an anonymous contactkit page is answered from the cache (0: never).
CONTACTKIT_PAGE_CACHE_SECONDS = int(os.environ.get("CONTACTKIT_PAGE_CACHE_SECONDS", "3600"))

# The live chat pushed as Server-Sent Events. An open stream holds a worker thread for minutes:
# serve it with threads (gunicorn -k gthread) or ASGI workers. CHAT_STREAMS=0 turns the streams
# off (the panels poll instead), for gunicorn's sync workers, which one stream would block.
if not _flag("CHAT_STREAMS", "1"):
    EVENTSTREAM_STORAGE_CLASS = None

# --- Background tasks -----------------------------------------------------------------------
# Emails are queued in the database in the request and sent by `manage.py db_worker`, never
# inside a request. On Django 5.2 tasks are django_tasks' (the backport, app "django_tasks");
# on Django 6 django_tasks_db runs on Django's own django.tasks, and the backport's @task
# decorator (contactkit's and Wagtail's tasks) asks the configured backend for its task class,
# which is then Django's: one framework either way, read from this one TASKS setting.
INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Email ------------------------------------------------------------------------------------
# The shop's mail server, used by the task worker only.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", DEFAULT_FROM_EMAIL)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
_mail = mail_settings(
    "django.core.mail.backends.smtp.EmailBackend",
    host=os.environ.get("EMAIL_HOST", "localhost"),
    port=int(os.environ.get("EMAIL_PORT", "25")),
    use_tls=_flag("EMAIL_USE_TLS", "0"),
    timeout=int(os.environ.get("EMAIL_TIMEOUT", "10")),
)
if "MAILERS" in _mail:  # Django 6.1: the backend's own options
    _mail["MAILERS"]["default"]["OPTIONS"].update(
        username=os.environ.get("EMAIL_HOST_USER", ""),
        password=os.environ.get("EMAIL_HOST_PASSWORD", ""),
    )
else:
    _mail.update(
        EMAIL_HOST_USER=os.environ.get("EMAIL_HOST_USER", ""),
        EMAIL_HOST_PASSWORD=os.environ.get("EMAIL_HOST_PASSWORD", ""),
    )
globals().update(_mail)

# --- HTTPS and security headers -----------------------------------------------------------
# Behind a proxy (nginx, Caddy, a load balancer) that terminates TLS and says so in
# X-Forwarded-Proto. Make sure the proxy sets that header itself (overwriting a client's).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", "1")
# A load balancer's health checks often come over plain HTTP: they get the answer, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^contactkit/health/$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = _flag("SECURE_HSTS_PRELOAD", "1")
SESSION_COOKIE_SECURE = _flag("SECURE_COOKIES", "1")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Requests of the rate limits come through these proxies (addresses or networks): the
# shopper's address is then read from X-Forwarded-For.
CONTACTKIT_TRUSTED_PROXIES = _list("TRUSTED_PROXIES")

# A database that is down: a clean 503 on every page. Right after the security headers and the
# static files, before every middleware that may ask the database (sessions, users, the CSP of
# a site's chat).
MIDDLEWARE = list(MIDDLEWARE)
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "contactkit.middleware.ServiceUnavailableMiddleware",
)

# --- Static files and media -----------------------------------------------------------------
# `manage.py collectstatic` writes hashed names, with .gz and .br (brotli) beside each file;
# whitenoise serves them, compressed as the browser accepts.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", STATIC_ROOT))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", MEDIA_ROOT))
# Uploaded images served by Django itself (demoshop/media.py), for a shop without a web server
# in front; 0 when nginx or Caddy serves MEDIA_ROOT at MEDIA_URL.
SERVE_MEDIA = _flag("SERVE_MEDIA", "1")

# S3-compatible object storage for uploaded images and documents (django-storages): any
# AWS_S3_* setting it knows may be added the same way.
if os.environ.get("AWS_STORAGE_BUCKET_NAME") or os.environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME"):
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    # Without keys, boto3 finds credentials its own way (an instance role, ~/.aws).
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    # Wagtail names each upload and rendition once: never overwrite another file.
    AWS_S3_FILE_OVERWRITE = False
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    AWS_STORAGE_BUCKET_NAME = os.environ["AWS_STORAGE_BUCKET_NAME"]
    # A CDN or the bucket's own public domain ("media.shop.example"); else the endpoint's URL.
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    # Public images: plain URLs, the same for every visitor, so browsers and CDNs cache them.
    AWS_QUERYSTRING_AUTH = False
    AWS_DEFAULT_ACL = os.environ.get("AWS_DEFAULT_ACL") or None
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=86400"}
    STORAGES = {**STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    # Documents through Wagtail's view, which checks a private collection's restrictions (its
    # default on S3 is a redirect to the bucket, which would have to make them all public).
    WAGTAILDOCS_SERVE_METHOD = "serve_view"
    if AWS_S3_CUSTOM_DOMAIN:
        MEDIA_URL = f"https://{AWS_S3_CUSTOM_DOMAIN}/"
    elif AWS_S3_ENDPOINT_URL:
        MEDIA_URL = f"{AWS_S3_ENDPOINT_URL.rstrip('/')}/{AWS_STORAGE_BUCKET_NAME}/"
    else:
        MEDIA_URL = f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com/"
    SERVE_MEDIA = False
if os.environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME"):
    # Shoppers' attachments in a private bucket, read by the inbox's permission-checked view
    # only; without it they stay in a folder beside MEDIA_ROOT, which several servers must
    # then share.
    STORAGES = {
        **STORAGES,
        "contactkit_attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ["AWS_PRIVATE_STORAGE_BUCKET_NAME"],
                "default_acl": "private",
                "querystring_auth": True,
                "custom_domain": None,
                "object_parameters": {},
            },
        },
    }

# --- Logging ----------------------------------------------------------------------------------
# JSON lines on stderr (gunicorn and systemd pass them on): each error of a request with its
# path, method and status, and the traceback.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "contactkit.jsonlog.JSONFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (mail to ADMINS, the console in DEBUG) replaced by the line.
        "django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
    },
}
