"""Delete closed (and spam) conversations kept longer than CONTACTKIT_RETENTION_DAYS.

Run it daily from cron or a scheduler: ``python manage.py contactkit_purge``.
"""

from django.core.management.base import BaseCommand, CommandError

from contactkit.conf import contactkit_settings
from contactkit.inbox import privacy


class Command(BaseCommand):
    help = (
        "Delete conversations closed (or held as spam) more than CONTACTKIT_RETENTION_DAYS days "
        "ago, with their messages, attached files and email records."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help="Use this many days instead of CONTACTKIT_RETENTION_DAYS.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only say how many conversations would be deleted.",
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is None:
            days = contactkit_settings.RETENTION_DAYS
        if days is None:
            self.stdout.write("CONTACTKIT_RETENTION_DAYS is not set: nothing is deleted.")
            return
        if days < 0:
            raise CommandError("The number of days cannot be negative.")
        if dry_run:
            counts = privacy.count_stored(privacy.purgeable(days))
            verb = "Would delete"
        else:
            counts = privacy.purge_closed(days)
            verb = "Deleted"
        self.stdout.write(
            f"{verb} {counts['conversations']} conversations older than {days} days, with "
            f"{counts['messages']} messages, {counts['attachments']} attached files and "
            f"{counts['deliveries']} email records."
        )
