"""``manage.py contactkit_verify_withdrawal CK-2026-000123 [--fingerprint HEX]``.

Prints a withdrawal's statement as stored and says whether it still matches the fingerprint
given on its receipt (and the fingerprint passed, as the shopper quotes it from their receipt,
spaces or not). Exits with 0 when it verifies, 1 when it does not or there is no such
withdrawal. A developer's tool: its output is in English.
"""

import json
import string

from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import constant_time_compare

from contactkit.returns.withdrawal import fingerprint
from contactkit.returns.withdrawal.models import Withdrawal
from contactkit.returns.withdrawal.pdf import zone_of


class Command(BaseCommand):
    help = (
        "Check that a withdrawal's stored statement still matches its fingerprint "
        "(exit status 0 if it does, 1 if not)."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="the withdrawal's reference, such as CK-2026-000123")
        parser.add_argument(
            "--fingerprint",
            dest="given",
            metavar="HEX",
            help="a fingerprint to check too, as printed on the receipt (spaces are ignored)",
        )

    def handle(self, *args, reference, given=None, **options):
        given = None if given is None else _normalised(given)
        if given is not None and (
            len(given) != 64 or any(c not in string.hexdigits for c in given)
        ):
            raise CommandError("--fingerprint needs 64 hexadecimal digits.", returncode=1)
        withdrawal = (
            Withdrawal.objects.select_related("conversation")
            .filter(conversation__reference__iexact=reference.strip())
            .first()
        )
        if withdrawal is None:
            raise CommandError(f"No withdrawal has the reference {reference}.", returncode=1)
        self.print_statement(withdrawal)

        computed = fingerprint.compute(withdrawal)
        stored_ok = withdrawal.verify()
        self.stdout.write("")
        self.stdout.write(f"Stored fingerprint:   {_shown(withdrawal.fingerprint)}")
        self.stdout.write(f"Computed fingerprint: {_shown(computed)}")
        if stored_ok:
            self.stdout.write("The stored statement matches its fingerprint.")
        else:
            self.stdout.write(
                "The stored statement does NOT match its fingerprint: it was changed after it "
                "was received (or the fingerprint key changed)."
            )
        given_ok = True
        if given is not None:
            self.stdout.write(f"Given fingerprint:    {_shown(given)}")
            given_ok = constant_time_compare(given, computed)
            if given_ok:
                self.stdout.write("The given fingerprint matches the stored statement.")
            else:
                self.stdout.write("The given fingerprint does NOT match the stored statement.")
        if not (stored_ok and given_ok):
            raise CommandError(f"{withdrawal.conversation.reference}: NOT verified.", returncode=1)
        self.stdout.write(f"{withdrawal.conversation.reference}: verified.")

    def print_statement(self, withdrawal):
        conversation = withdrawal.conversation
        received = withdrawal.received_at.astimezone(zone_of(withdrawal))
        self.stdout.write(f"Withdrawal {conversation.reference} (status: {conversation.status})")
        self.stdout.write(
            f"Received at: {received.isoformat(sep=' ', timespec='seconds')} ({received.tzinfo})"
        )
        self.stdout.write("Statement as stored (what the fingerprint covers):")
        for name, value in fingerprint.statement(withdrawal).items():
            if name == "items":
                if not value:
                    self.stdout.write("  items: the whole order")
                for item in value:
                    self.stdout.write(f"  item: {item['quantity']} x {item['description']}")
            else:
                self.stdout.write(f"  {name}: {json.dumps(value, ensure_ascii=False)}")


def _normalised(text):
    return "".join(text.split()).lower()


def _shown(value):
    return fingerprint.formatted(value) if value else "(none)"
