"""The fingerprint of a withdrawal: a keyed HMAC of its statement as stored.

The statement is written out canonically (JSON, keys sorted, no spaces, dates in ISO 8601 with
their UTC offset) and signed with HMAC-SHA256 under ``CONTACTKIT_WITHDRAWAL_KEY`` (else the
``SECRET_KEY``). The shopper gets the fingerprint on the receipt; if anyone later changes a word
of the stored statement, the fingerprint no longer matches, and :func:`verify` says so.
"""

import json

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from contactkit.conf import contactkit_settings

SALT = "contactkit.withdrawal.fingerprint"


def statement(withdrawal):
    """The fields of ``withdrawal`` the fingerprint covers, as plain JSON values."""
    return {
        "reference": withdrawal.conversation.reference,
        "received_at": withdrawal.received_at.isoformat(timespec="seconds"),
        "name": withdrawal.name,
        "email": withdrawal.email,
        "order_number": withdrawal.order_number,
        "order_date": withdrawal.order_date.isoformat() if withdrawal.order_date else "",
        "delivery_date": withdrawal.delivery_date.isoformat() if withdrawal.delivery_date else "",
        "items": [
            {"description": item["description"], "quantity": item["quantity"]}
            for item in withdrawal.items
        ],
        "comment": withdrawal.comment,
    }


def canonical(withdrawal):
    """The statement as the exact bytes that are signed."""
    return json.dumps(
        statement(withdrawal), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def _secret():
    return contactkit_settings.WITHDRAWAL_KEY or settings.SECRET_KEY


def compute(withdrawal):
    """The fingerprint of the statement as ``withdrawal`` holds it now (64 hex digits)."""
    digest = salted_hmac(SALT, canonical(withdrawal), secret=_secret(), algorithm="sha256")
    return digest.hexdigest()


def verify(withdrawal):
    """Whether the stored statement still matches the fingerprint given on its receipt."""
    return bool(withdrawal.fingerprint) and constant_time_compare(
        compute(withdrawal), withdrawal.fingerprint
    )


def formatted(fingerprint):
    """The fingerprint in groups of four, easier to read out and compare: ``3f2a 91c0 …``."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))
