#!/usr/bin/env python
"""The demo shop's manage.py: ``python site/manage.py load_demo_shop`` builds its content."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demoshop.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
