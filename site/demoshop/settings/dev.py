"""Running the demo on a laptop: debug on, SQLite, static files served as they are."""

from .base import *

DEBUG = True
SECRET_KEY = "django-insecure-demo-shop-only-for-local-use"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Emails are printed where the demo runs instead of being sent.
globals().update(mail_settings("django.core.mail.backends.console.EmailBackend"))
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
