"""``manage.py contactkit_send_emails``: send the inbox's emails that are due, now or in a loop.

Run it from cron (every minute or so), or once with ``--loop 60`` as a small service, when the
task backend cannot run tasks later (the immediate backend): it is what retries the emails
that failed while SMTP was down.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from contactkit.inbox.emails import send_due_deliveries
from contactkit.inbox.models import EmailDelivery


class Command(BaseCommand):
    help = "Send the inbox's emails that are due: new ones, and failed ones whose retry time came."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="keep running, sending what is due every SECONDS",
        )
        parser.add_argument(
            "--max-runs",
            type=int,
            metavar="N",
            help="with --loop, stop after N runs (default: run until stopped)",
        )

    def handle(self, *args, loop=None, max_runs=None, verbosity=1, **options):
        if loop is not None and loop < 0:
            raise CommandError("--loop needs a number of seconds, 0 or more.")
        runs = 0
        while True:
            sent = send_due_deliveries()
            runs += 1
            if verbosity:
                self.report(sent)
            if loop is None or (max_runs is not None and runs >= max_runs):
                return
            time.sleep(loop)
            # Between runs, as Django does between requests: a long-running process must not
            # keep using a connection the database has dropped meanwhile.
            close_old_connections()

    def report(self, sent):
        waiting = EmailDelivery.objects.filter(
            state__in=[EmailDelivery.State.PENDING, EmailDelivery.State.FAILED]
        ).count()
        gave_up = EmailDelivery.objects.filter(state=EmailDelivery.State.GAVE_UP).count()
        self.stdout.write(f"Sent {sent}; waiting {waiting}; given up {gave_up}.")
