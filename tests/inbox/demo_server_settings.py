"""The demo's own settings (``python3 dev.py demo``), with a throw-away media folder and any
overrides a test passes as JSON in ``CONTACTKIT_DEMO_SETTINGS``. Used by tests/inbox/demo_server.py.
"""

import json
import os
from pathlib import Path

from demoshop.settings.dev import *  # noqa: F403

MEDIA_ROOT = Path(os.environ["CONTACTKIT_DEMO_MEDIA_ROOT"])
globals().update(json.loads(os.environ.get("CONTACTKIT_DEMO_SETTINGS") or "{}"))
