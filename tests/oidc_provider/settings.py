"""Settings of the test OpenID provider (see tests/oidc.py, which starts it).

Read from the environment the harness sets: ``OIDC_PROVIDER_DIR`` (a temporary folder for the
SQLite database), ``OIDC_PROVIDER_PORT``, ``OIDC_PROVIDER_CLIENT_ID`` and
``OIDC_PROVIDER_CLIENT_SECRET``. The RSA key that signs the ID tokens is generated here, once
per run of the provider.
"""

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

STATE_DIR = Path(os.environ["OIDC_PROVIDER_DIR"])
PORT = int(os.environ["OIDC_PROVIDER_PORT"])
URL = f"http://127.0.0.1:{PORT}"

# The one client (the shop, the relying party), created by serve.py at start.
OIDC_TEST_CLIENT_ID = os.environ["OIDC_PROVIDER_CLIENT_ID"]
OIDC_TEST_CLIENT_SECRET = os.environ["OIDC_PROVIDER_CLIENT_SECRET"]

SECRET_KEY = secrets.token_urlsafe(40)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "tests.oidc_provider",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "tests.oidc_provider.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": STATE_DIR / "provider.sqlite3",
        # The server is threaded (the browser and the relying party's back-channel requests
        # overlap): writers wait for each other instead of failing with "database is locked".
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Fast hashing for throw-away users and the client secret (a test fixture, never production).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
STATIC_URL = "/static/"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/login/"


def _rsa_private_key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()


OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    # Discovery's issuer and the ID tokens' iss.
    "OIDC_ISS_ENDPOINT": f"{URL}/o",
    "OIDC_RSA_PRIVATE_KEY": _rsa_private_key_pem(),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validators.TestProviderValidator",
    "SCOPES": {
        "openid": "Sign you in",
        "profile": "Your name and profile",
        "email": "Your email address",
    },
    "DEFAULT_SCOPES": ["openid"],
    # PKCE on every authorization request, S256 only (no "plain").
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    # The relying party runs on http://127.0.0.1 in the tests.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 120,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
}

# DEBUG is off, so Django logs nothing to the console by default: send errors (and DOT's
# warnings) to stderr, which the harness keeps in the provider's log file.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "oauth2_provider": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "oauthlib": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}

# Cookies of their own: browsers keep cookies per host, not per port, so on 127.0.0.1 the
# provider's session would otherwise replace the shop's (both Django's "sessionid").
SESSION_COOKIE_NAME = "oidc_provider_session"
CSRF_COOKIE_NAME = "oidc_provider_csrftoken"
