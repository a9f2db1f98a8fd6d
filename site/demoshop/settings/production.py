"""Production: everything secret or host-specific comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *


def _env(name):
    try:
        return os.environ[name]
    except KeyError:
        raise ImproperlyConfigured(f"Set the {name} environment variable.") from None


DEBUG = False
SECRET_KEY = _env("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _env("ALLOWED_HOSTS").split(",") if host.strip()]
DATABASES = {
    "default": sqlite_for_concurrent_writes(
        dj_database_url.parse(_env("DATABASE_URL"), conn_max_age=600)
    )
}
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]
SESSION_COOKIE_SECURE = os.environ.get("SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", WAGTAILADMIN_BASE_URL)

# The shop's own mail server (EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS from the environment).
globals().update(
    mail_settings(
        "django.core.mail.backends.smtp.EmailBackend",
        host=os.environ.get("EMAIL_HOST", "localhost"),
        port=int(os.environ.get("EMAIL_PORT", "25")),
        use_tls=os.environ.get("EMAIL_USE_TLS", "0") == "1",
    )
)
