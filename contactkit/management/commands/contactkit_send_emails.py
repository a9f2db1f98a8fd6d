"""``manage.py contactkit_send_emails``: send the inbox's emails that are due, now or in a loop.

Run it from cron (every minute or so), or once with ``--loop 60`` as a small service, when the
task backend cannot run tasks later (the immediate backend): it is what retries the emails
that failed while SMTP was down. Beside a task worker it also sends what no task will: an
email whose worker was killed while sending it (once its claim has run out), or one whose task
could not be queued.

With ``--loop``, a database that cannot be reached (a restart, a failover) is waited out: the
run is reported and the loop carries on, so the service is still there, sending, once the
database is back. Without it, the error ends the command, as cron expects. A loop told to stop
(SIGTERM from its service manager, or Ctrl-C) first finishes the email it is sending.
"""

import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, close_old_connections

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
        self.sending = self.stopping = False
        previous = self.catch_stop_signals() if loop is not None else {}
        try:
            self.run(loop, max_runs, verbosity)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def run(self, loop, max_runs, verbosity):
        runs = 0
        while True:
            self.sending = True
            try:
                sent = send_due_deliveries(stop=lambda: self.stopping)
                if verbosity:
                    self.report(sent)
            except (OperationalError, InterfaceError) as error:
                if loop is None:
                    raise
                # Nothing is lost: what was not sent is still waiting in the database.
                self.stderr.write(
                    f"The database cannot be reached ({type(error).__name__}: "
                    f"{str(error).strip()}); trying again in {loop:g} s."
                )
            finally:
                self.sending = False
            runs += 1
            if self.stopping or loop is None or (max_runs is not None and runs >= max_runs):
                return
            time.sleep(loop)
            # Between runs, as Django does between requests: a long-running process must not
            # keep using a connection the database has dropped meanwhile.
            close_old_connections()

    def catch_stop_signals(self):
        """SIGTERM and SIGINT end the loop once the email being sent is sent and recorded.

        Killed between the mail server's "accepted" and the database's record of it, that
        email would be sent again once its claim ran out: a second copy for the shopper, each
        time the service is restarted (a deploy). Returns the handlers to put back.
        """
        if threading.current_thread() is not threading.main_thread():
            return {}  # signal handlers belong to the main thread (call_command elsewhere)
        return {
            number: signal.signal(number, self.stop) for number in (signal.SIGTERM, signal.SIGINT)
        }

    def stop(self, number, frame):
        self.stopping = True
        if not self.sending:
            # Between runs: nothing to finish.
            raise SystemExit(0)

    def report(self, sent):
        waiting = EmailDelivery.objects.filter(
            state__in=[EmailDelivery.State.PENDING, EmailDelivery.State.FAILED]
        ).count()
        gave_up = EmailDelivery.objects.filter(state=EmailDelivery.State.GAVE_UP).count()
        self.stdout.write(f"Sent {sent}; waiting {waiting}; given up {gave_up}.")
