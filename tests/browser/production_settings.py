"""The demo's production settings, with the folders of a throw-away run from the environment.

Used by tests/browser/production.py for the weight test and bench/lighthouse.py. Everything
else (DEBUG off, whitenoise's CompressedManifestStaticFilesStorage, SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL from the environment) is demoshop.settings.production.
"""

import os
from pathlib import Path

from demoshop.settings.production import *  # noqa: F403

STATIC_ROOT = Path(os.environ["CONTACTKIT_STATIC_ROOT"])
MEDIA_ROOT = Path(os.environ["CONTACTKIT_MEDIA_ROOT"])
if os.environ.get("CONTACTKIT_THEME"):
    # The project's default theme, for as long as themes are not picked per site.
    CONTACTKIT_THEME = os.environ["CONTACTKIT_THEME"]
