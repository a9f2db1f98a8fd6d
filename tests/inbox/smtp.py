"""A real SMTP server on 127.0.0.1 for tests, which a test can take down and bring back.

The fixture ``smtp_server`` runs the server; ``smtp_mailer`` also points Django's email at it.
A test module gets them with
``from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401``:
their Python names differ from the fixtures' so that test arguments do not shadow an import.
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

    def __init__(self):
        self.port = free_port()
        self.messages = []
        self.envelopes = []
        self._controller = None

    def start(self):
        # A new controller each time: a stopped one has closed its event loop.
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="localhost"
        )
        self._controller.start()

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

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(
            Envelope(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


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
