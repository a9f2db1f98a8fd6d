"""Running the demo on a laptop: debug on, SQLite, static files served as they are."""

import os

from .base import *

DEBUG = True
SECRET_KEY = "django-insecure-demo-shop-only-for-local-use"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Emails are printed where the demo runs instead of being sent.
globals().update(mail_settings("django.core.mail.backends.console.EmailBackend"))
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# `python3 dev.py demo --port N` serves on N: links in emails to the admin follow it.
DEMO_PORT = int(os.environ.get("CONTACTKIT_DEMO_PORT", "8000"))
WAGTAILADMIN_BASE_URL = f"http://127.0.0.1:{DEMO_PORT}"
