"""Reading the support mailbox on a real IMAP server (dovecot on 127.0.0.1): new mail is
imported once, marked on the server, and a server that is down, slow or refuses the password
is written down for staff and picked up again where it was left."""

import socket
import threading
import time
from email.message import EmailMessage

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from contactkit.inbox.mailin import imap
from contactkit.inbox.mailin.importer import import_email
from contactkit.inbox.mailin.status import mailbox_problems
from contactkit.inbox.models import Conversation, InboundEmail, MailboxState, Message, Status
from contactkit.inbox.tasks import fetch_mail
from tests.inbox import builders
from tests.inbox.imap_server import imap_server_fixture  # noqa: F401
from tests.inbox.smtp import free_port

IMPORTED = "$ContactkitImported"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path, monkeypatch):
    storage = builders.use_private_storage(settings, tmp_path, monkeypatch)
    monkeypatch.setattr(InboundEmail._meta.get_field("raw"), "storage", storage)
    cache.clear()


@pytest.fixture(name="mailbox")
def mailbox_fixture(imap_server, settings, site):
    """The dovecot mailbox as the shop's only CONTACTKIT_MAILBOXES entry."""
    settings.CONTACTKIT_MAILBOXES = [imap_server.settings | {"site": site.hostname}]
    return imap_server.settings


def mail(number, *, sender="ana@example.com", subject=None, **headers):
    message = EmailMessage()
    message.set_content(f"Pregunta número {number}")
    message["From"] = sender
    message["To"] = "shop@example.com"
    message["Subject"] = subject or f"Pregunta {number}"
    message["Message-ID"] = f"<pregunta-{number}@example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message.as_bytes()


def state():
    return MailboxState.objects.get()


def test_a_poll_imports_new_mail_and_marks_it_on_the_server(
    imap_server, mailbox, site, django_capture_on_commit_callbacks
):
    conversation = builders.conversation(site, status=Status.CLOSED)
    imap_server.deliver(mail(1, subject=f"Re: [{conversation.reference}]"))
    imap_server.deliver(mail(2, sender="luis@example.com"))
    imap_server.deliver(mail(3, Auto_Submitted="auto-replied"))

    with django_capture_on_commit_callbacks(execute=True):
        summary = imap.poll(mailbox)

    assert (summary.error, summary.imported, summary.skipped) == ("", 3, 0)
    assert summary.outcomes == {"reply": 1, "new": 1, "auto_reply": 1}
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.messages.last().body == "Pregunta número 1"
    started = Conversation.objects.get(email="luis@example.com")
    assert started.site == site
    assert {flags for flags in map(frozenset, imap_server.flags().values())} == {
        frozenset({IMPORTED, "\\Seen"})
    }
    assert InboundEmail.objects.filter(mailbox=summary.key).count() == 3
    assert state().last_uid == 3
    assert state().last_success_at is not None
    assert state().key == "imap:shop@example.com@127.0.0.1/INBOX"

    again = imap.poll(mailbox)
    assert (again.error, again.imported, again.skipped) == ("", 0, 0)
    assert InboundEmail.objects.count() == 3
    assert Message.objects.filter(kind="shopper").count() == 3


def test_mail_already_marked_is_left_alone(imap_server, mailbox):
    with imap_server.connect() as server:
        server.append(mail(1), "INBOX", flag_set=[IMPORTED])
    summary = imap.poll(mailbox)
    assert (summary.imported, summary.skipped) == (0, 0)
    assert not InboundEmail.objects.exists()


def test_mail_imported_but_not_marked_is_not_imported_twice(imap_server, mailbox):
    # A poll that stopped between importing a mail and marking it on the server (the server
    # keeps mail with CRLF line ends: these are the bytes it gives back).
    raw = mail(1).replace(b"\n", b"\r\n")
    import_email(raw, mailbox="imap:earlier", uid="1")
    imap_server.deliver(raw)
    # The same email, delivered a second time by the mail server (other headers, other bytes).
    imap_server.deliver(b"Received: from relay.example\r\n" + raw)

    summary = imap.poll(mailbox)

    assert (summary.imported, summary.skipped) == (1, 1)
    assert summary.outcomes == {"duplicate": 1}
    assert InboundEmail.objects.count() == 2
    assert Message.objects.filter(kind="shopper").count() == 1
    assert all(IMPORTED in flags for flags in imap_server.flags().values())


def test_the_server_being_down_is_recorded_and_the_next_poll_picks_up(
    imap_server, mailbox, settings
):
    imap_server.deliver(mail(1))
    assert imap.poll(mailbox).imported == 1
    imap_server.stop()

    down = imap.poll(mailbox)

    assert "ConnectionRefusedError" in down.error
    assert (state().failures, state().last_uid) == (1, 1)
    assert "ConnectionRefusedError" in state().last_error
    assert state().last_attempt_at > state().last_success_at
    [(key, error, since)] = mailbox_problems()
    assert (key, since) == (down.key, state().last_success_at)
    assert "ConnectionRefusedError" in error
    assert imap.poll(mailbox).error
    assert state().failures == 2

    imap_server.start()
    imap_server.deliver(mail(2))
    back = imap.poll(mailbox)

    assert (back.error, back.imported) == ("", 1)
    assert sorted(InboundEmail.objects.values_list("uid", flat=True)) == ["1", "2"]
    assert (state().failures, state().last_error, state().last_uid) == (0, "", 2)
    assert mailbox_problems() == []


def test_a_refused_password_is_recorded_without_the_password(imap_server, mailbox):
    imap_server.deliver(mail(1))
    wrong = mailbox | {"password": "not-the-password"}

    summary = imap.poll(wrong)

    assert "authentication failed" in summary.error.lower()
    assert "not-the-password" not in summary.error
    assert state().failures == 1
    assert not InboundEmail.objects.exists()


def test_a_server_that_never_answers_times_out(mailbox, settings):
    # Something listens on the port but never says hello (an overloaded server).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        slow = mailbox | {"port": silent.getsockname()[1], "timeout": 1}
        started = time.monotonic()
        summary = imap.poll(slow)
    assert time.monotonic() - started < 10
    assert "timed out" in summary.error.lower()
    assert MailboxState.objects.get(key=summary.key).failures == 1


def test_nothing_listening_and_a_wrong_setting_are_errors_not_crashes(mailbox):
    closed = imap.poll(mailbox | {"port": free_port()})
    assert "ConnectionRefusedError" in closed.error
    wrong = imap.poll(mailbox | {"security": "carrier-pigeon"})
    assert "carrier-pigeon" in wrong.error


def test_a_new_uidvalidity_reads_the_folder_again_without_importing_twice(imap_server, mailbox):
    imap_server.deliver(mail(1))
    imap.poll(mailbox)
    validity = state().uid_validity

    # The folder is restored from a backup: the same mail, then a new one, new UIDs.
    imap_server.recreate_inbox()
    imap_server.deliver(mail(1))
    imap_server.deliver(mail(2))
    summary = imap.poll(mailbox)

    assert (summary.imported, summary.skipped) == (1, 1)
    assert state().uid_validity != validity
    assert state().last_uid == 2
    assert InboundEmail.objects.count() == 2
    assert all(IMPORTED in flags for flags in imap_server.flags().values())


# Real threads with their own database connections: real commits, put back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("shared_cache", [True, False])
def test_two_pollers_at_once_import_each_mail_once(imap_server, settings, site, shared_cache):
    if not shared_cache:
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            pytest.skip(
                "Two writers at once need a real database: SQLite's in-memory test database "
                "refuses the second at once ('table is locked'). Run with DATABASE_URL=postgres."
            )
        # Workers on machines without a shared cache: only the database keeps them apart.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    mailbox = imap_server.settings
    for number in range(1, 7):
        imap_server.deliver(mail(number, sender=f"cliente{number}@example.com"))
    start = threading.Barrier(2)
    summaries, errors = [], []

    def poller():
        try:
            start.wait()
            summaries.append(imap.poll(mailbox))
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert [summary.error for summary in summaries] == ["", ""]
    assert sum(summary.imported for summary in summaries) == 6
    assert InboundEmail.objects.count() == 6
    assert Conversation.objects.count() == 6
    assert Message.objects.filter(kind="shopper").count() == 6
    assert all(IMPORTED in flags for flags in imap_server.flags().values())
    if shared_cache:
        assert sorted(summary.busy for summary in summaries) == [False, True]


# Real commits: between runs the loop closes stale connections, which would break a test's
# enclosing transaction; serialized_rollback puts back what migrations made for later tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_reports_each_mailbox_and_never_fails(imap_server, mailbox, settings, capsys):
    imap_server.deliver(mail(1))
    call_command("contactkit_fetch_mail")
    out = capsys.readouterr().out
    assert "imap:shop@example.com@127.0.0.1/INBOX: imported 1 (1 new)" in out

    imap_server.stop()
    call_command("contactkit_fetch_mail", every=0, max_runs=2)
    err = capsys.readouterr().err
    assert err.count("could not be read: ConnectionRefusedError") == 2


def test_the_task_polls_every_mailbox(imap_server, mailbox):
    imap_server.deliver(mail(1))
    [summary] = fetch_mail.call()
    assert (summary["imported"], summary["error"]) == (1, "")
    assert summary["outcomes"] == {"new": 1}


def test_staff_see_a_warning_in_the_inbox_while_a_mailbox_cannot_be_read(
    imap_server, mailbox, settings, admin_client
):
    def inbox_page():
        response = admin_client.get(reverse("contactkit_inbox:index"))
        assert response.status_code == 200
        return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())

    assert "could not be read" not in inbox_page()
    imap.poll(mailbox | {"password": "wrong"})
    page = inbox_page()
    assert "The support mailbox could not be read:" in page
    assert "MailboxLoginError" in page
    assert "imap:shop@example.com@127.0.0.1/INBOX" in page
    # The password never shows.
    assert "wrong" not in page

    imap.poll(mailbox)
    assert "could not be read" not in inbox_page()
    imap.poll(mailbox | {"password": "wrong"})
    assert "could not be read since" in inbox_page()
