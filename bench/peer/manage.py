#!/usr/bin/env python
"""manage.py of the peer: a stock Wagtail contact page that bench/pages.py measures contactkit
against (see docs/benchmarks.md). Run from this folder, or with it on PYTHONPATH."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
