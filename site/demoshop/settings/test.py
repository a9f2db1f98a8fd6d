"""The test suite: SQLite by default, PostgreSQL when DATABASE_URL is set."""

import os

from .base import *

DEBUG = False
SECRET_KEY = "tests-only-secret"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(os.environ.get("CONTACTKIT_TEST_MEDIA", "/tmp/contactkit-test-media"))  # noqa: S108
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
DATABASES = {
    "default": sqlite_for_concurrent_writes(
        dj_database_url.config(
            default="sqlite:///:memory:", conn_max_age=0, conn_health_checks=False
        )
    )
}

# Tests read in English unless they switch language to check the Spanish text.
LANGUAGE_CODE = "en"
