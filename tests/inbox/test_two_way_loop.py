"""The whole loop of a conversation, with every part real: the contact form, the shop's mail
going out through an SMTP server on 127.0.0.1, the shopper's answer arriving in the support
mailbox of a real IMAP server (dovecot) on 127.0.0.1, the poller bringing it back into the
conversation, and the shopper answering again from their conversation page."""

import re
import time
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from contactkit.inbox import actions, spam
from contactkit.inbox.mailin.imap import poll_all
from contactkit.inbox.models import Conversation, InboundEmail, InboxSettings, Message, Status
from contactkit.pages.models import ContactPage
from tests.inbox.builders import staff_user, use_private_storage
from tests.inbox.imap_server import imap_server_fixture  # noqa: F401
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.profile.builders import channel, profile_for

SHOP = "hola@ceramica.example"
THREAD_LINK = re.compile(r"https?://\S+/conversation/[\w-]+/")
ANSWER = "Genial, gracias. Lo espero el jueves por la tarde."


@pytest.fixture
def contact_page(site, settings, tmp_path, monkeypatch):
    use_private_storage(settings, tmp_path, monkeypatch)
    cache.clear()
    profile_for(site, trade_name="Cerámica Alba", time_zone="Europe/Madrid")
    channel(site, "email", email=SHOP, reply_time=1440)
    inbox = InboxSettings.for_site(site)
    inbox.from_email = SHOP
    inbox.notify_emails = "ventas@ceramica.example"
    inbox.save()
    return site.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))


def form_data():
    return {
        "name": "Ana García",
        "email": "ana@example.com",
        "topic": "order_status",
        "message": "¿Cuándo llega mi pedido 1234?",
        "consent": "on",
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
        "submission_key": "loop" * 8,
    }


def answer_from_a_mail_client(staff_email, body):
    """What Ana's mail program sends when she presses Reply on ``staff_email``: a new text on
    top, the email she answers quoted below, and the headers that say which one it answers."""
    reply = EmailMessage()
    reply["From"] = "Ana García <ana@example.com>"
    reply["To"] = staff_email["Reply-To"] or staff_email["From"]
    reply["Subject"] = "Re: " + str(staff_email["Subject"]).strip()
    reply["Date"] = format_datetime(timezone.now())
    reply["Message-ID"] = "<ana-answer-1@correo.example>"
    reply["In-Reply-To"] = staff_email["Message-ID"]
    reply["References"] = " ".join(
        filter(None, [staff_email["References"], staff_email["Message-ID"]])
    )
    quoted = "\n".join(f"> {line}" for line in staff_email.get_content().splitlines())
    reply.set_content(
        f"{body}\n\nAna\n\n"
        f"El lun, 1 dic 2026 a las 10:00, Cerámica Alba <{SHOP}> escribió:\n{quoted}\n"
    )
    return reply.as_bytes()


def link_in(email):
    [url] = set(THREAD_LINK.findall(email.get_content()))
    return re.sub(r"^https?://[^/]+", "", url)


def test_a_conversation_goes_both_ways_and_nothing_is_imported_twice(
    client,
    contact_page,
    smtp_mailer,
    imap_server,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.CONTACTKIT_MAILBOXES = [imap_server.settings]

    # Ana writes through the contact form and gets her confirmation.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(contact_page.url, form_data())
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    [confirmation] = smtp_mailer.to("ana@example.com")
    assert conversation.reference in str(confirmation["Subject"])
    assert link_in(confirmation)

    # Marta answers from the inbox; the reply goes out through SMTP.
    marta = staff_user("view_conversation", "reply_conversation", username="marta")
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(conversation, "Sale mañana por SEUR.", user=marta)
    staff_reply = smtp_mailer.to("ana@example.com")[-1]
    assert "Sale mañana por SEUR." in staff_reply.get_content()
    conversation.refresh_from_db()
    assert conversation.status == Status.WAITING

    # Ana presses Reply in her mail program; her answer lands in the support mailbox.
    imap_server.deliver(answer_from_a_mail_client(staff_reply, ANSWER))
    with django_capture_on_commit_callbacks(execute=True):
        [summary] = poll_all()
    assert (summary.error, summary.imported) == ("", 1)

    # It is in the same conversation, without the quoted email, which is kept beside it.
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    latest = conversation.messages.filter(kind=Message.Kind.SHOPPER).last()
    assert latest.via == Message.Via.EMAIL
    assert latest.body.startswith(ANSWER)
    assert "Sale mañana por SEUR." not in latest.body
    assert "> Sale mañana por SEUR." in latest.original
    assert Conversation.objects.count() == 1
    # Staff hear of it, and the server has it marked as imported.
    assert [
        email
        for email in smtp_mailer.to("ventas@ceramica.example")
        if ANSWER in email.get_content()
    ]
    [flags] = imap_server.flags().values()
    assert "$ContactkitImported" in flags

    # A second poll finds nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        [again] = poll_all()
    assert (again.error, again.imported) == ("", 0)
    assert conversation.messages.filter(kind=Message.Kind.SHOPPER).count() == 2
    assert InboundEmail.objects.count() == 1

    # Marta closes it; Ana writes once more, from the page her emails link to: it reopens.
    actions.change_status(conversation, Status.CLOSED, user=marta)
    page = link_in(staff_reply)
    shown = client.get(page)
    assert shown.status_code == 200
    assert ANSWER in shown.content.decode()
    assert "Sale mañana por SEUR." in shown.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page,
            {
                "message": "Ya ha llegado, ¡gracias!",
                "website": "",
                "started": spam.form_timestamp(time.time() - 60),
            },
        )
    assert response.status_code == 303
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    last = conversation.messages.filter(kind=Message.Kind.SHOPPER).last()
    assert (last.body, last.via) == ("Ya ha llegado, ¡gracias!", Message.Via.THREAD)
    assert "Ya ha llegado, ¡gracias!" in client.get(page).content.decode()
