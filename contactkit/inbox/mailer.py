"""Sending one email and learning what the mail server did with each of its recipients.

Django's SMTP backend sends a message to all its recipients at once and answers only "sent":
when the server refuses one recipient of two, the email still counts as sent, and the refused
person is never told. Nor does it use SMTPUTF8, so an address with non-ASCII characters before
the @ (``josé@ejemplo.es``) is refused by Django 6.1 and, by Django 5.2, silently written as an
RFC 2047 encoded word, which names another mailbox.

So :func:`send` keeps Django for what it does well (the configured mailer, from the ``EMAIL_*``
settings or ``MAILERS``; its connection, TLS and login; the message itself) and speaks only the
envelope itself: it asks the server for SMTPUTF8 when an address needs it, punycodes
internationalised domains otherwise, and returns who was accepted and who was refused, with
the server's answer. Other backends (an email service's API, the console, ``locmem`` in tests)
take the message whole, as Django sends it.
"""

import copy
import email
import email.policy
import smtplib
from dataclasses import dataclass, field
from email.header import Header
from email.utils import getaddresses, parseaddr

import django
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils.encoding import punycode
from django.utils.translation import gettext

# The answer RFC 6531 gives for an address that needs SMTPUTF8 where it is not available: a
# permanent refusal (5.6.7, "non-ASCII addresses not permitted").
NO_SMTPUTF8 = "553 5.6.7"

DEFAULT_MESSAGE_ID_DOMAIN = "contactkit.local"


@dataclass
class Outcome:
    """What the mail server did with an email: whom it accepted, and whom it refused and why."""

    accepted: list = field(default_factory=list)
    # {address: the server's answer, such as "550 5.1.1 No such user"}
    refused: dict = field(default_factory=dict)


def is_permanent(answer):
    """Whether a server's answer refusing a recipient means "do not try again" (a 5xx reply)."""
    return str(answer).startswith("5")


def message_id_domain(site):
    """The right-hand side of the Message-IDs of ``site``'s emails: its host name, in ASCII."""
    hostname = (getattr(site, "hostname", "") or "").strip().rstrip(".").lower()
    try:
        return punycode(hostname) if hostname else DEFAULT_MESSAGE_ID_DOMAIN
    except UnicodeError:
        # Not a name IDNA can write (a label over 63 characters, say).
        return DEFAULT_MESSAGE_ID_DOMAIN


class Email(EmailMessage):
    """Django's EmailMessage, with a long non-ASCII subject folded as mail programs expect."""

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        if django.VERSION < (6, 0) and not str(self.subject).isascii():
            # Django 5.2 encodes such a subject without counting "Subject: " in, so a long one
            # is written after an empty first line (some programs show no subject at all).
            # Python's Header, told the header's name, folds it from the first line.
            header = Header(str(self.subject), "utf-8", header_name="Subject")
            msg.replace_header("Subject", header)
        return msg


def send(message, recipients):
    """Send ``message`` to ``recipients`` and return the :class:`Outcome`.

    ``recipients`` is the envelope, which may be fewer people than the message's To (a retry
    goes only to those who did not get it yet). Errors that stop the email for everybody (the
    server is down, refuses the sender or the message) are raised.
    """
    recipients = list(dict.fromkeys(recipients))
    backend = _mailer()
    if isinstance(backend, SMTPBackend):
        return _send_smtp(backend, message, recipients)
    message = copy.copy(message)
    if recipients != message.recipients():
        if message.to:
            message.extra_headers = {**message.extra_headers, "To": ", ".join(message.to)}
        message.to, message.cc, message.bcc = recipients, [], []
    if not backend.send_messages([message]):
        raise ValueError("The mail backend sent nothing.")
    return Outcome(accepted=recipients)


def _mailer():
    """The project's default mailer: ``MAILERS["default"]`` on Django 6.1, ``EMAIL_*`` before."""
    mailers = getattr(mail, "mailers", None)
    return mailers.default if mailers is not None else mail.get_connection()


def _send_smtp(backend, message, recipients):
    outcome = Outcome()
    opened = backend.open()
    try:
        smtp = backend.connection
        smtp.ehlo_or_helo_if_needed()
        sender = parseaddr(str(message.from_email))[1]
        addresses = [sender, *recipients, *_header_addresses(message)]
        smtputf8 = not all(map(_ascii_local_part, addresses)) and smtp.has_extn("smtputf8")
        if not smtputf8:
            if not _ascii_local_part(sender):
                raise ValueError(_no_smtputf8(sender))
            for address in recipients:
                if not _ascii_local_part(address):
                    outcome.refused[address] = f"{NO_SMTPUTF8} {_no_smtputf8(address)}"
            recipients = [address for address in recipients if address not in outcome.refused]
            message = _without_non_ascii_mailboxes(message)
        if not recipients:
            return outcome
        envelope = {_envelope_address(address): address for address in recipients}
        try:
            refused = smtp.sendmail(
                _envelope_address(sender),
                list(envelope),
                _as_bytes(message, smtputf8),
                # What Python's smtplib.send_message() asks for an international email.
                mail_options=["SMTPUTF8", "BODY=8BITMIME"] if smtputf8 else [],
            )
        except smtplib.SMTPRecipientsRefused as error:
            refused = error.recipients
        for address, (code, answer) in refused.items():
            outcome.refused[envelope[address]] = _answer(code, answer)
        outcome.accepted = [address for sent, address in envelope.items() if sent not in refused]
        return outcome
    finally:
        if opened:
            backend.close()


def _no_smtputf8(address):
    return gettext(
        "Not sent to %(address)s: the mail server does not accept addresses with accents or "
        "other non-ASCII characters before the @ (it does not offer SMTPUTF8)."
    ) % {"address": address}


def _ascii_local_part(address):
    return address.rpartition("@")[0].isascii()


def _header_addresses(message):
    values = [str(value) for value in [*message.to, *message.cc, *message.reply_to]]
    return [address for _name, address in getaddresses(values) if address]


def _without_non_ascii_mailboxes(message):
    """``message`` without the header addresses that need SMTPUTF8 (a shopper's Reply-To)."""

    def keep(values):
        return [value for value in values if _ascii_local_part(parseaddr(str(value))[1])]

    message = copy.copy(message)
    message.to, message.cc, message.reply_to = (
        keep(message.to),
        keep(message.cc),
        keep(message.reply_to),
    )
    return message


def _envelope_address(address):
    """``address`` as the SMTP envelope needs it: an internationalised domain in punycode."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    return f"{local}@{punycode(domain)}"


def _answer(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())


def _as_bytes(message, smtputf8):
    """The message as the server gets it: UTF-8 headers only when SMTPUTF8 is in use."""
    if django.VERSION >= (6, 0):
        policy = email.policy.SMTPUTF8 if smtputf8 else email.policy.SMTP
        return message.message(policy=policy).as_bytes()
    data = message.message().as_bytes(linesep="\r\n")
    if not smtputf8:
        return data
    # Django 5.2 writes a non-ASCII local part as an encoded word, another mailbox altogether;
    # with SMTPUTF8 the addresses go as they are.
    modern = email.message_from_bytes(data, policy=email.policy.SMTPUTF8)
    for name, values in (
        ("From", [message.from_email]),
        ("To", message.to),
        ("Cc", message.cc),
        ("Reply-To", message.reply_to),
    ):
        if values and name in modern and name not in message.extra_headers:
            modern.replace_header(name, ", ".join(str(value) for value in values))
    return modern.as_bytes()
