"""Delete what is kept longer than the shop decided.

- files of held and spam messages (quarantined) older than CONTACTKIT_QUARANTINE_DAYS: the file
  is deleted, its row kept as a record;
- closed (and spam) conversations older than CONTACTKIT_RETENTION_DAYS, with everything in them.

Run it daily from cron or a scheduler: ``python manage.py contactkit_purge``.
"""

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from contactkit.conf import contactkit_settings
from contactkit.inbox import privacy, quarantine


class Command(BaseCommand):
    help = (
        "Delete quarantined files (of held and spam messages) older than "
        "CONTACTKIT_QUARANTINE_DAYS days, and conversations closed (or held as spam) more than "
        "CONTACTKIT_RETENTION_DAYS days ago, with their messages, attached files and email "
        "records."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help="Use this many days instead of CONTACTKIT_RETENTION_DAYS.",
        )
        parser.add_argument(
            "--quarantine-days",
            type=int,
            help="Use this many days instead of CONTACTKIT_QUARANTINE_DAYS.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only say what would be deleted.",
        )

    def handle(self, *args, days=None, quarantine_days=None, dry_run=False, **options):
        if days is None:
            days = contactkit_settings.RETENTION_DAYS
        if quarantine_days is None:
            quarantine_days = contactkit_settings.QUARANTINE_DAYS
        if (days is not None and days < 0) or quarantine_days < 0:
            raise CommandError("The number of days cannot be negative.")
        self.purge_quarantine(quarantine_days, dry_run)
        if days is None:
            self.stdout.write("CONTACTKIT_RETENTION_DAYS is not set: no conversation is deleted.")
            return
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

    def purge_quarantine(self, days, dry_run):
        if dry_run:
            files = quarantine.purgeable(days)
            count, size = files.count(), sum(files.values_list("size", flat=True))
            verb = "Would delete"
        else:
            count, size = quarantine.purge(days)
            verb = "Deleted"
        self.stdout.write(
            f"{verb} {count} quarantined files ({filesizeformat(size)}) older than {days} days."
        )
