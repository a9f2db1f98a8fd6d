"""A real SMTP server on 127.0.0.1 for tests, which a test can take down and bring back.

The fixture ``smtp_server`` runs the server; ``smtp_mailer`` also points Django's email at it.
A test module gets them with
``from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401``:
their Python names differ from the fixtures' so that test arguments do not shadow an import.

The server offers SMTPUTF8 (addresses with non-ASCII characters before the @) unless started
with ``smtputf8=False``, and refuses the recipients a test names with ``refuse()``, as a real
server refuses an unknown mailbox or a full one.
"""

import email
import email.policy
import socket
from dataclasses import dataclass

import django
import pytest
from aiosmtpd.controller import Controller


@dataclass
class Envelope:
    """What the SMTP client said around a message: the sender and recipients of the session."""

    mail_from: str
    rcpt_tos: list
    raw: bytes


class SMTPServer:
    """An SMTP server in a thread, keeping every message it accepts.

    ``messages`` holds them parsed (headers decoded), ``envelopes`` the SMTP envelope and raw
    bytes of each, in the same order. ``stop()`` and ``start()`` take it down and bring it
    back on the same port.
    """

    def __init__(self, *, smtputf8=True):
        self.port = free_port()
        self.smtputf8 = smtputf8
        self.messages = []
        self.envelopes = []
        # {address: the answer to its RCPT command}, for the recipients to refuse.
        self.refusals = {}
        self._controller = None

    def start(self, *, smtputf8=None):
        """Start serving; ``smtputf8`` says whether to offer SMTPUTF8 (as before by default)."""
        if smtputf8 is not None:
            self.smtputf8 = smtputf8
        # A new controller each time: a stopped one has closed its event loop.
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            enable_SMTPUTF8=self.smtputf8,
        )
        self._controller.start()

    def refuse(self, address, answer="550 5.1.1 No such user here"):
        """Answer ``answer`` to RCPT TO ``address`` (as the client writes it) from now on."""
        self.refusals[address] = answer

    def accept(self, address):
        """Take ``address`` again."""
        self.refusals.pop(address, None)

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address):
        """The messages whose envelope names ``address`` as a recipient."""
        return [
            message
            for message, envelope in zip(self.messages, self.envelopes, strict=True)
            if address in envelope.rcpt_tos
        ]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(
            Envelope(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


def mailboxes(message, header):
    """The ``(display name, address)`` pairs of an address header of a received message.

    Python's parser keeps the UTF-8 of an SMTPUTF8 header as escaped bytes; they are decoded.
    """

    def text(value):
        return value.encode("utf-8", "surrogateescape").decode("utf-8")

    return [
        (text(address.display_name), text(address.addr_spec))
        for address in message[header].addresses
    ]


def free_port():
    # Controller(port=0) cannot report the port it got; ask the system for a free one first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(name="smtp_server")
def smtp_server_fixture():
    """A running :class:`SMTPServer`, stopped after the test."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(name="smtp_mailer")
def smtp_mailer_fixture(settings, smtp_server):
    """The SMTP server, with Django sending its email there (not to pytest-django's locmem)."""
    backend = "django.core.mail.backends.smtp.EmailBackend"
    if django.VERSION >= (6, 1):
        # Django 6.1 configures mail with MAILERS; with it set, the EMAIL_* settings are gone.
        settings.MAILERS = {
            "default": {
                "BACKEND": backend,
                "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port, "timeout": 5},
            }
        }
    else:
        settings.EMAIL_BACKEND = backend
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = smtp_server.port
        settings.EMAIL_TIMEOUT = 5
    return smtp_server
