"""``manage.py contactkit_fetch_mail``: import the new mails of the support mailboxes.

Run it from cron (every minute or two), or once with ``--every 60`` as a small service. A
mailbox that cannot be read (server down, password refused) is reported and written down for
the inbox; the command still ends with 0, so cron does not mail about every outage, and the
next run picks up where this one stopped.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from contactkit.conf import contactkit_settings
from contactkit.inbox.mailin.imap import poll_all


class Command(BaseCommand):
    help = "Import the new mails of the support mailboxes (CONTACTKIT_MAILBOXES) into the inbox."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="keep running, reading the mailboxes every SECONDS",
        )
        parser.add_argument(
            "--max-runs",
            type=int,
            metavar="N",
            help="with --every, stop after N runs (default: run until stopped)",
        )

    def handle(self, *args, every=None, max_runs=None, verbosity=1, **options):
        if every is not None and every < 0:
            raise CommandError("--every needs a number of seconds, 0 or more.")
        if not contactkit_settings.MAILBOXES and verbosity:
            self.stdout.write("No mailbox to read: set CONTACTKIT_MAILBOXES.")
        runs = 0
        while True:
            for summary in poll_all():
                if summary.error:
                    self.stderr.write(str(summary))
                elif verbosity:
                    self.stdout.write(str(summary))
            runs += 1
            if every is None or (max_runs is not None and runs >= max_runs):
                return
            time.sleep(every)
            # A long-running process must not keep a connection the database has dropped.
            close_old_connections()
