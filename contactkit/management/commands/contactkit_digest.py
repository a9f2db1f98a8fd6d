"""Email staff how many messages were held for review or put in spam since the last digest.

Run it daily from cron or a scheduler: ``python manage.py contactkit_digest``.
"""

from django.core.management.base import BaseCommand

from contactkit.inbox.digest import send_digest


class Command(BaseCommand):
    help = (
        "Email each site's inbox recipients how many messages were held for review or put in "
        "spam since the last digest (or in the last 24 hours); nothing when there are none."
    )

    def handle(self, *args, **options):
        told = send_digest()
        if told:
            names = ", ".join(site.site_name or site.hostname for site in told)
            self.stdout.write(f"Sent the digest for {len(told)} sites: {names}.")
        else:
            self.stdout.write("Nothing held for review or in spam: no digest sent.")
