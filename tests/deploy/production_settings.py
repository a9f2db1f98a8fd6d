"""demoshop.settings.production as it is, plus one address whose view fails (tests/deploy/urls.py),
to see what a request's error leaves in the logs."""

from demoshop.settings.production import *  # noqa: F403

ROOT_URLCONF = "tests.deploy.urls"
