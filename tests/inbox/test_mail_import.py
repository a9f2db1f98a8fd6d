"""Emails coming back into the inbox: matched to their conversation (only when the sender may
write there), quotes taken off, files checked, new conversations started, nothing twice; and
the webhook mail providers post to."""

import base64
import json
import tracemalloc
from email.message import EmailMessage

import pytest
from django.urls import reverse

from contactkit.inbox import actions
from contactkit.inbox.emails import send_reply
from contactkit.inbox.mailin.importer import UNKNOWN_SENDER, import_email
from contactkit.inbox.models import (
    Attachment,
    Conversation,
    EmailDelivery,
    InboundEmail,
    Message,
    Source,
    Status,
    Topic,
)
from tests.inbox import builders
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.inbox.test_emails import (  # noqa: F401
    STAFF,
    arrive_fixture,
    shop_fixture,
    subject,
    text,
    wagtail_root_fixture,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7"
    b"\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ANSWER = "Perfecto, el jueves me viene bien."
QUOTED = (
    f"{ANSWER}\n\nUn saludo,\nAna\n\n"
    "El lun, 5 ene 2026 a las 10:00, Cerámica Alba <hola@ceramica.example> escribió:\n"
    "> Sale mañana por SEUR.\n"
)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path, monkeypatch):
    storage = builders.use_private_storage(settings, tmp_path, monkeypatch)
    monkeypatch.setattr(InboundEmail._meta.get_field("raw"), "storage", storage)
    return storage


@pytest.fixture(name="import_now")
def import_now_fixture(django_capture_on_commit_callbacks):
    """Import an email and let its transaction commit (its emails go out)."""

    def run(raw, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return import_email(raw, **kwargs)

    return run


def mail(
    body=ANSWER,
    *,
    sender="Ana García <ana@example.com>",
    to="hola@ceramica.example",
    subject="Re: tu pedido",
    message_id="<respuesta-1@example.com>",
    files=(),
    **headers,
):
    message = EmailMessage()
    message.set_content(body)
    for name, content, maintype, subtype in files:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message.as_bytes()


def replied(conversation, body="Sale mañana por SEUR."):
    """A staff reply in ``conversation``, sent; its Message-ID."""
    user = builders.staff_user("view_conversation", "reply_conversation")
    return send_reply(conversation, user, body).email_message_id


# --- matching ----------------------------------------------------------------------------


def test_a_reply_to_a_staff_email_goes_into_its_closed_conversation_and_reopens_it(
    arrive, smtp_mailer, import_now
):
    conversation = arrive()
    reply_id = replied(conversation)
    actions.change_status(conversation, Status.CLOSED, user=None)

    inbound = import_now(mail(QUOTED, In_Reply_To=reply_id, References=reply_id))

    assert inbound.outcome == InboundEmail.Outcome.REPLY
    assert inbound.conversation == conversation
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    latest = conversation.messages.filter(kind=Message.Kind.SHOPPER).last()
    assert inbound.message == latest
    assert latest.via == Message.Via.EMAIL
    # The new part only; the whole email is kept beside it.
    assert latest.body == ANSWER
    assert "> Sale mañana por SEUR." in latest.original
    assert latest.email_message_id == "<respuesta-1@example.com>"
    assert Conversation.objects.count() == 1
    # Staff hear that Ana wrote again; Ana gets no new confirmation.
    [follow_up] = [m for m in smtp_mailer.to(STAFF[0]) if ANSWER in text(m)]
    assert conversation.reference in subject(follow_up)
    assert conversation.deliveries.filter(kind=EmailDelivery.Kind.CONFIRMATION).count() == 1


def test_a_reply_to_the_confirmation_is_matched_by_its_message_id(arrive, import_now):
    conversation = arrive()
    confirmation = f"<confirmation.{conversation.thread_message_id.removeprefix('<')}"
    inbound = import_now(mail(In_Reply_To=confirmation, subject="Re: hola"))
    assert (inbound.outcome, inbound.conversation) == ("reply", conversation)


def test_headers_come_before_the_subject_and_the_subject_before_nothing(arrive, import_now):
    first, second = arrive(), arrive()
    reply_id = replied(first)
    inbound = import_now(mail(In_Reply_To=reply_id, subject=f"Re: [{second.reference}]"))
    assert inbound.conversation == first

    inbound = import_now(mail(subject=f"Otra cosa [{second.reference}]", message_id="<b@x>"))
    assert (inbound.outcome, inbound.conversation) == ("reply", second)
    assert second.messages.filter(kind=Message.Kind.SHOPPER).count() == 2


def test_the_reply_address_alone_is_enough_whoever_sends(arrive, import_now, settings):
    settings.CONTACTKIT_REPLY_ADDRESS = "hola+{token}@ceramica.example"
    conversation = arrive()
    inbound = import_now(
        mail(
            sender="Luis <luis@otro.example>",
            to=f"hola+{conversation.reply_token}@ceramica.example",
            subject="Soy el marido de Ana",
        )
    )
    assert (inbound.outcome, inbound.conversation) == ("reply", conversation)


def test_a_token_in_delivered_to_is_found_too(arrive, import_now):
    conversation = arrive()
    raw = (
        b"Delivered-To: hola+"
        + conversation.reply_token.upper().encode()
        + (b"@ceramica.example\r\n" + mail(subject="sin referencia"))
    )
    inbound = import_now(raw)
    assert inbound.conversation == conversation


def test_a_stranger_with_a_valid_reference_starts_a_flagged_conversation(
    arrive, smtp_mailer, import_now
):
    conversation = arrive()
    reply_id = replied(conversation)
    sent_before = len(smtp_mailer.messages)

    inbound = import_now(
        mail(
            "Dame los datos del pedido de Ana.",
            sender="Mallory <mallory@evil.example>",
            subject=f"Re: [{conversation.reference}]",
            In_Reply_To=reply_id,
        )
    )

    assert inbound.outcome == InboundEmail.Outcome.FLAGGED
    assert conversation.reference in inbound.note
    assert "mallory@evil.example" in inbound.note
    # Ana's conversation is untouched.
    assert conversation.messages.filter(kind=Message.Kind.SHOPPER).count() == 1
    flagged = inbound.conversation
    assert flagged != conversation
    assert (flagged.status, flagged.spam_reason) == (Status.HELD, UNKNOWN_SENDER)
    assert (flagged.email, flagged.name, flagged.source) == (
        "mallory@evil.example",
        "Mallory",
        Source.EMAIL,
    )
    assert flagged not in Conversation.objects.inbox()
    # Nobody is emailed about a held conversation.
    assert len(smtp_mailer.messages) == sent_before
    assert not flagged.deliveries.exists()


def test_the_sender_is_compared_without_case(arrive, import_now):
    conversation = arrive(email="Ana@Example.com")
    inbound = import_now(
        mail(sender="ANA@EXAMPLE.COM", subject=f"Re: [{conversation.reference.lower()}]")
    )
    assert inbound.conversation == conversation


# --- new conversations -------------------------------------------------------------------


def test_a_mail_that_matches_nothing_starts_a_conversation_with_its_confirmation(
    shop, smtp_mailer, import_now
):
    inbound = import_now(
        mail(
            "¿Hacéis envíos a Canarias?",
            sender="=?utf-8?q?Jos=C3=A9_N=C3=BA=C3=B1ez?= <jose@example.com>",
            subject="Envíos",
            Content_Language="es",
        ),
        site=shop,
    )
    assert inbound.outcome == InboundEmail.Outcome.NEW
    conversation = inbound.conversation
    assert (conversation.source, conversation.topic, conversation.status) == (
        Source.EMAIL,
        Topic.OTHER,
        Status.NEW,
    )
    assert (conversation.name, conversation.email) == ("José Núñez", "jose@example.com")
    assert conversation.language == "es"
    assert conversation.extra_fields == {"Subject": "Envíos"}
    [message] = conversation.messages.all()
    assert (message.body, message.via) == ("¿Hacéis envíos a Canarias?", Message.Via.EMAIL)
    [confirmation] = smtp_mailer.to("jose@example.com")
    assert conversation.reference in subject(confirmation)
    # It threads under José's own email in his mail program.
    assert confirmation["In-Reply-To"] == "<respuesta-1@example.com>"
    assert [m for m in smtp_mailer.to(STAFF[0]) if "Canarias" in text(m)]


def test_a_flood_of_new_emails_from_one_address_is_held_and_link_spam_set_aside(
    shop, smtp_mailer, import_now, settings
):
    settings.CONTACTKIT_RATE_LIMIT_EMAIL = (2, 3600)
    outcomes = [
        import_now(
            mail(f"Pregunta {number}", sender="x@example.com", message_id=f"<q{number}@x>"),
            site=shop,
        ).conversation.status
        for number in range(3)
    ]
    # Every one is stored; the third waits for a person, with the reason, and sends nothing.
    assert outcomes == [Status.NEW, Status.NEW, Status.HELD]
    held = Conversation.objects.get(status=Status.HELD)
    assert held.spam_reason == "rate_email"
    assert len(smtp_mailer.to("x@example.com")) == 2
    links = " ".join(f"https://compra{number}.example" for number in range(6))
    spam = import_now(mail(links, sender="y@example.com", message_id="<s@y>"), site=shop)
    assert (spam.conversation.status, spam.conversation.spam_reason) == (Status.SPAM, "links:6")
    assert smtp_mailer.to("y@example.com") == []


def test_the_same_email_twice_is_imported_once(shop, import_now):
    raw = mail("Hola", subject="Primera vez")
    first = import_now(raw, site=shop)
    again = import_now(raw, site=shop)
    assert again.pk == first.pk and again.outcome == first.outcome == "new"
    assert (first.imported_now, again.imported_now) == (True, False)
    assert Conversation.objects.count() == 1
    assert InboundEmail.objects.count() == 1
    # Delivered again by another route (other bytes, same Message-ID): recorded, not added.
    other = import_now(b"Received: from relay.example\r\n" + raw, site=shop)
    assert other.outcome == InboundEmail.Outcome.DUPLICATE
    assert other.conversation == first.conversation
    assert Message.objects.filter(kind=Message.Kind.SHOPPER).count() == 1


def test_the_raw_email_is_kept(shop, import_now):
    raw = mail("Hola", subject="Guardado")
    inbound = import_now(raw, site=shop, mailbox="imap:x@y/INBOX", uid="7")
    with inbound.raw.open("rb") as kept:
        assert kept.read() == raw
    assert (inbound.mailbox, inbound.uid, inbound.size) == ("imap:x@y/INBOX", "7", len(raw))
    assert (inbound.sender, inbound.subject) == ("ana@example.com", "Guardado")


# --- bounces, automatic answers, unreadable mail -----------------------------------------


def test_a_bounce_is_shown_with_its_conversation_and_changes_nothing(
    arrive, smtp_mailer, import_now
):
    conversation = arrive()
    reply_id = replied(conversation)
    actions.change_status(conversation, Status.CLOSED, user=None)
    sent_before = len(smtp_mailer.messages)
    dsn = (
        "From: MAILER-DAEMON@mx.example\r\nTo: hola@ceramica.example\r\n"
        "Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nNo such user.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {reply_id}\r\n\r\n"
        "--B--\r\n"
    ).encode()

    inbound = import_now(dsn)

    assert inbound.outcome == InboundEmail.Outcome.BOUNCE
    assert inbound.conversation == conversation
    conversation.refresh_from_db()
    assert conversation.status == Status.CLOSED
    assert conversation.messages.filter(kind=Message.Kind.SHOPPER).count() == 1
    assert len(smtp_mailer.messages) == sent_before
    assert Conversation.objects.count() == 1


def test_an_out_of_office_answer_never_reopens_nor_starts_anything(arrive, smtp_mailer, import_now):
    conversation = arrive()
    reply_id = replied(conversation)
    actions.change_status(conversation, Status.CLOSED, user=None)
    sent_before = len(smtp_mailer.messages)

    inbound = import_now(
        mail("Estoy de vacaciones.", In_Reply_To=reply_id, Auto_Submitted="auto-replied")
    )
    assert inbound.outcome == InboundEmail.Outcome.AUTO_REPLY
    assert inbound.conversation == conversation
    assert "Auto-Submitted" in inbound.note
    conversation.refresh_from_db()
    assert conversation.status == Status.CLOSED
    assert conversation.messages.filter(kind=Message.Kind.SHOPPER).count() == 1

    newsletter = import_now(mail("Ofertas", sender="news@shop.example", Precedence="bulk"))
    assert (newsletter.outcome, newsletter.conversation) == ("auto_reply", None)
    assert Conversation.objects.count() == 1
    assert len(smtp_mailer.messages) == sent_before


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"From: ana@example.com\r\nSubject: \r\n\r\n   \r\n",
        b"\xff\xfe\x00\x01",
    ],
)
def test_empty_or_garbled_mail_is_kept_as_unreadable(shop, import_now, raw):
    inbound = import_now(raw, site=shop)
    assert inbound.outcome == InboundEmail.Outcome.UNREADABLE
    assert inbound.note
    assert inbound.raw.name
    assert not Conversation.objects.exists()


def test_mail_without_a_sender_address_is_unreadable_but_kept(shop, import_now):
    inbound = import_now(b"Subject: Hola\r\n\r\nMi pedido no llega.\r\n", site=shop)
    assert inbound.outcome == InboundEmail.Outcome.UNREADABLE
    assert "sender" in inbound.note
    assert not Conversation.objects.exists()


# --- attachments ---------------------------------------------------------------------------


def test_files_go_through_the_contact_form_checks(arrive, import_now, settings):
    settings.CONTACTKIT_ATTACHMENT_MAX_COUNT = 2
    conversation = arrive()
    files = [
        ("factura.pdf", PDF, "application", "pdf"),
        ("virus.exe", b"MZ\x90\x00 not a picture", "application", "octet-stream"),
        ("foto.png", PNG, "image", "png"),
        ("otra.png", PNG, "image", "png"),
    ]
    inbound = import_now(mail(subject=f"Re: [{conversation.reference}]", files=files))

    message = inbound.message
    kept = sorted((a.name, a.content_type, a.size) for a in message.attachments.all())
    assert kept == [
        ("factura.pdf", "application/pdf", len(PDF)),
        ("foto.png", "image/png", len(PNG)),
    ]
    with message.attachments.get(name="foto.png").file.open("rb") as stored:
        assert stored.read() == PNG
    [note] = conversation.messages.filter(kind=Message.Kind.NOTE)
    assert "2 files that were not kept" in note.body
    assert "virus.exe" in note.body and "not a photo or a PDF" in note.body
    assert "otra.png" in note.body and "only the first 2 files" in note.body


def test_a_50_mb_attachment_is_listed_not_kept_and_crashes_nothing(shop, import_now, settings):
    settings.CONTACTKIT_INBOUND_MAX_BYTES = 100 * 1024 * 1024
    big = bytes(range(256)) * (50 * 1024 * 1024 // 256)
    raw = mail("Os mando el vídeo", files=[("video.mp4", big, "video", "mp4")], message_id="")
    del big
    tracemalloc.start()
    try:
        inbound = import_now(raw, site=shop)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert inbound.outcome == InboundEmail.Outcome.NEW
    message = inbound.message
    assert message.body == "Os mando el vídeo"
    assert not message.attachments.exists()
    [note] = inbound.conversation.messages.filter(kind=Message.Kind.NOTE)
    assert "video.mp4 (50.0\xa0MB)" in note.body
    assert "each file can be at most" in note.body
    # The email is held once (and written to disk), the file never decoded beside it.
    assert peak < len(raw) // 2, peak
    assert inbound.raw.size == len(raw)


def test_an_email_over_the_size_limit_keeps_its_headers_and_text_only(shop, import_now, settings):
    settings.CONTACTKIT_INBOUND_MAX_BYTES = 2000
    raw = mail("Mira la foto", files=[("foto.png", PNG * 40, "image", "png")], message_id="")
    assert len(raw) > 2000
    inbound = import_now(raw, site=shop)
    assert inbound.outcome == InboundEmail.Outcome.NEW
    assert "only its headers and text were kept" in inbound.note
    with inbound.raw.open("rb") as kept:
        stored = kept.read()
    assert b"Mira la foto" in stored and b"Subject: Re: tu pedido" in stored
    assert len(stored) < 2000
    assert not Attachment.objects.exists()
    [note] = inbound.conversation.messages.filter(kind=Message.Kind.NOTE)
    assert "foto.png" in note.body and "too big to keep" in note.body


# --- the webhook ---------------------------------------------------------------------------

URL = "/contactkit/inbound-email/"


def test_the_webhook_address():
    assert reverse("contactkit_inbound_email") == URL


def test_without_a_secret_the_webhook_does_not_exist(client, shop, settings):
    settings.CONTACTKIT_INBOUND_SECRET = None
    response = client.post(URL, mail(), content_type="message/rfc822")
    assert response.status_code == 404
    assert not InboundEmail.objects.exists()


def test_a_wrong_secret_is_refused(client, shop, settings):
    settings.CONTACTKIT_INBOUND_SECRET = "s3cret-value"
    for headers in (
        {},
        {"X-Contactkit-Secret": "wrong"},
        {"Authorization": "Basic " + base64.b64encode(b"mail:wrong").decode()},
        {"Authorization": "Basic not-base64!"},
    ):
        response = client.post(URL, mail(), content_type="message/rfc822", headers=headers)
        assert response.status_code == 403
    assert client.get(URL).status_code == 405
    assert not InboundEmail.objects.exists()


def test_the_right_secret_imports_a_raw_email(client, shop, settings, smtp_mailer):
    settings.CONTACTKIT_INBOUND_SECRET = "s3cret-value"
    response = client.post(
        URL,
        mail("Por el webhook", subject="Webhook"),
        content_type="message/rfc822",
        headers={"X-Contactkit-Secret": "s3cret-value"},
    )
    assert response.status_code == 200
    conversation = Conversation.objects.get()
    assert response.json() == {"outcome": "new", "reference": conversation.reference}
    assert conversation.messages.get().body == "Por el webhook"
    assert InboundEmail.objects.get().mailbox == "webhook"
    # Stored and committed before the answer: the confirmation is on its way.
    assert conversation.deliveries.filter(kind=EmailDelivery.Kind.CONFIRMATION).exists()

    # The provider posts it again (a retry): nothing new.
    again = client.post(
        URL,
        mail("Por el webhook", subject="Webhook"),
        content_type="message/rfc822",
        headers={"X-Contactkit-Secret": "s3cret-value"},
    )
    assert again.json() == {"outcome": "new", "reference": conversation.reference}
    assert Conversation.objects.count() == 1


def test_providers_post_forms_json_and_basic_auth(client, shop, settings):
    settings.CONTACTKIT_INBOUND_SECRET = "s3cret-value"
    basic = {"Authorization": "Basic " + base64.b64encode(b"mailgun:s3cret-value").decode()}

    # SendGrid's Inbound Parse ("email"), as a multipart form.
    response = client.post(
        URL, {"email": mail("Por SendGrid", message_id="<a@x>").decode(), "to": "x"}, headers=basic
    )
    assert response.json()["outcome"] == "new"
    # Mailgun's "body-mime", urlencoded.
    from urllib.parse import urlencode

    response = client.post(
        URL,
        urlencode({"body-mime": mail("Por Mailgun", message_id="<b@x>")}),
        content_type="application/x-www-form-urlencoded",
        headers=basic,
    )
    assert response.json()["outcome"] == "new"
    # Postmark's JSON with the raw email included.
    response = client.post(
        URL,
        json.dumps({"RawEmail": mail("Por Postmark", message_id="<c@x>").decode()}),
        content_type="application/json",
        headers={"X-Contactkit-Secret": "s3cret-value"},
    )
    assert response.json()["outcome"] == "new"
    bodies = sorted(Message.objects.values_list("body", flat=True))
    assert bodies == ["Por Mailgun", "Por Postmark", "Por SendGrid"]

    empty = client.post(URL, {"to": "x"}, headers=basic)
    assert empty.status_code == 400


def test_the_webhook_refuses_what_is_too_big(client, shop, settings):
    settings.CONTACTKIT_INBOUND_SECRET = "s3cret-value"
    settings.CONTACTKIT_INBOUND_MAX_BYTES = 10
    big = b"x" * (1024 * 1024 + 100)
    response = client.post(
        URL, big, content_type="message/rfc822", headers={"X-Contactkit-Secret": "s3cret-value"}
    )
    assert response.status_code == 413
    assert not InboundEmail.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Genial, gracias.\n\nAna\n\nEl lun, 1 dic 2026 a las 10:00, Cerámica Alba "
            "<hola@ceramica.example> escribió:\n> Sale mañana.\n>\n> Un saludo\n",
            "Genial, gracias.\n\nAna",
        ),
        (
            "Thanks!\n\nOn Mon, Dec 1, 2026 at 10:00 AM Cerámica Alba <\n"
            "hola@ceramica.example> wrote:\n\n> It ships tomorrow.\n",
            "Thanks!",
        ),
        ("Perfecto.\n\n--\nAna García\nTel. 600 000 000\n", "Perfecto."),
        # All quote and nothing new: the whole text is kept rather than nothing.
        ("> Sale mañana.\n> Un saludo\n", "> Sale mañana.\n> Un saludo"),
        # Answers between the quoted lines are the message: only the quoted tail goes.
        ("> ¿Talla?\nLa M.\n> ¿Color?\nAzul.\n", "> ¿Talla?\nLa M.\n> ¿Color?\nAzul."),
    ],
)
def test_quotes_and_signatures_are_taken_off(text, expected):
    from contactkit.inbox.mailin.importer import strip_quotes

    assert strip_quotes(text, "es") == expected
