"""Settings shared by every way of running the demo shop."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from contactkit.accounts.pipeline import PIPELINE

SITE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = SITE_DIR / "demoshop"

INSTALLED_APPS = [
    "demoshop.home",
    "contactkit",
    # The live chat pushed as Server-Sent Events (its events are stored: see below).
    "django_eventstream",
    # Sign-in through python-social-auth (contactkit.accounts, docs/sign-in.md): off until
    # CONTACTKIT_SIGN_IN names providers.
    "social_django",
    # django-ninja installed as an app serves the API's docs (/contactkit/api/docs) with its own
    # copy of Swagger UI and no inline script, which the Content-Security-Policy allows; without
    # it, they come from a CDN with an inline script, which it refuses.
    "ninja",
    "phonenumber_field",
    "django_countries",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header (django-csp, CONTENT_SECURITY_POLICY below), and inside
    # it what contactkit adds per response: a third-party chat's origins on the sites that use
    # one, the media storage's origin, the admin's nonce (docs/csp.md).
    "csp.middleware.CSPMiddleware",
    "contactkit.csp.ContactkitCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Anonymous visits of contactkit pages answered from the cache before Wagtail looks the
    # page up (contactkit.pages.cache): after the session, language, CSRF and user are known.
    "contactkit.pages.cache.PageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "demoshop.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "demoshop.wsgi.application"

# SQLite next to the demo by default; DATABASE_URL (postgres://…) switches database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SITE_DIR / 'demoshop.sqlite3'}", conn_max_age=60
    )
}


def sqlite_for_concurrent_writes(database):
    """SQLite set up so that shoppers writing at the same moment wait their turn.

    IMMEDIATE transactions take the write lock when they start, so the busy timeout applies
    (a deferred one that reads, then writes, fails at once with "database is locked"); WAL
    lets pages be read while a message is written.
    """
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    return database


sqlite_for_concurrent_writes(DATABASES["default"])

# Django's database sessions, refusing keys Django never makes (a NUL in a cookie would
# otherwise reach PostgreSQL and fail the request).
SESSION_ENGINE = "contactkit.sessions"

# Sign-in through python-social-auth (docs/sign-in.md). A shop lists its providers' backends
# here and names them in CONTACTKIT_SIGN_IN; the demo offers none (no network), the tests use
# a real OpenID Connect provider on 127.0.0.1 (tests/oidc.py).
AUTHENTICATION_BACKENDS = [
    "social_core.backends.open_id_connect.OpenIdConnectAuth",
    "django.contrib.auth.backends.ModelBackend",
]
SOCIAL_AUTH_PIPELINE = PIPELINE
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/"
SOCIAL_AUTH_OIDC_USE_PKCE = True
CONTACTKIT_SIGN_IN = {}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The demo is a Spanish shop; English is the other complete language. Pages are translated the
# Wagtail way: a locale per language, and each page copied into the other with "Translate"
# (wagtail.contrib.simple_translation); Spanish pages at /contacto/, English ones at /en/….
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
TIME_ZONE = "Europe/Madrid"
USE_I18N = True
USE_TZ = True

PHONENUMBER_DEFAULT_REGION = "ES"

DEFAULT_FROM_EMAIL = "hola@ceramica-alba.example"


def mail_settings(backend, **options):
    """Mail settings for this Django: MAILERS from 6.1 on, EMAIL_* before it.

    Emails go out from background tasks; the timeout keeps a hung mail server from holding a
    request or a worker.
    """
    options.setdefault("timeout", 10)
    if django.VERSION >= (6, 1):
        return {"MAILERS": {"default": {"BACKEND": backend, "OPTIONS": options}}}
    return {"EMAIL_BACKEND": backend, **{f"EMAIL_{key.upper()}": v for key, v in options.items()}}


globals().update(mail_settings("django.core.mail.backends.smtp.EmailBackend"))

LOCALE_PATHS = [PROJECT_DIR / "locale"]

STATIC_ROOT = SITE_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = SITE_DIR / "media"
MEDIA_URL = "/media/"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "contactkit.themes.ThemeFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The Content-Security-Policy of every response (django-csp; docs/csp.md). Nothing inline: no
# <script> or <style> element without a src, no style="" or on…="" attribute, so an injected
# one is refused. Scripts, styles, fonts, fetches, frames and forms stay on this origin; images
# may also be data: URIs (Wagtail's admin uses a few). frame-ancestors 'self': only the site
# itself may frame its pages (Wagtail's preview is same-origin). contactkit.csp adds, per
# response, what a site's own choices need: its third-party chat's origins, the media
# storage's origin when it is elsewhere, and in the admin a nonce for Wagtail's own scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}

WAGTAIL_SITE_NAME = "Cerámica Alba"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# No network at run time except to the shop's own services: no update check, no Gravatar.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# contactkit pages sit inside the demo shop's own header and footer.
CONTACTKIT_BASE_TEMPLATE = "base.html"
# The demo's own themes: `python site/manage.py contactkit_new_theme NAME` creates one here.
# The folder may not exist yet; the themes contactkit ships are there either way.
CONTACTKIT_THEME_DIRS = [SITE_DIR / "themes"]
# The withdrawal button checks orders against the demo's invented ones (see demoshop/orders.py).
CONTACTKIT_ORDER_LOOKUP = "demoshop.orders.lookup"

# Live chat as Server-Sent Events (docs/install.md, "Running chat in production" in
# docs/launcher-api.md): events stored in the database (a reconnecting panel, after a restart
# too, gets what it missed), streams only for the chat a thread token or a staff member may
# read. With REDIS_URL (redis://host:port/db), every ASGI worker hears every event at once.
EVENTSTREAM_STORAGE_CLASS = "django_eventstream.storage.DjangoModelStorage"
EVENTSTREAM_CHANNELMANAGER_CLASS = "contactkit.launcher.sse.ChatChannelManager"
if os.environ.get("REDIS_URL"):
    _redis = urlsplit(os.environ["REDIS_URL"])
    EVENTSTREAM_REDIS = {
        "host": _redis.hostname or "localhost",
        "port": _redis.port or 6379,
        "db": int((_redis.path or "/0").strip("/") or 0),
        "password": _redis.password,
    }
