"""Reading received emails, however broken: what staff will see of each in the inbox."""

import tracemalloc
from email.message import EmailMessage

import pytest

from contactkit.inbox.mailin import parse

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def mail(
    text="Hola, ¿llega mañana?",
    *,
    sender="Ana García <ana@example.com>",
    to="soporte@tienda.example",
    subject="Re: Tu mensaje [CK-2026-000001]",
    **headers,
):
    message = EmailMessage()
    # The content first: set_content() drops Content-* headers set before it.
    message.set_content(text)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", "<respuesta-1@example.com>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def test_a_plain_reply_gives_its_headers_addresses_and_text():
    message = mail(
        In_Reply_To="<abc@tienda.example>",
        References="<first@tienda.example> <abc@tienda.example>",
        Delivered_To="soporte+0123456789abcdef0123@tienda.example",
        Content_Language="es-ES",
    )
    parsed = parse.parse(message.as_bytes())

    assert parsed.message_id == "<respuesta-1@example.com>"
    assert parsed.in_reply_to == ["<abc@tienda.example>"]
    assert parsed.references == ["<first@tienda.example>", "<abc@tienda.example>"]
    assert parsed.subject == "Re: Tu mensaje [CK-2026-000001]"
    assert (parsed.from_name, parsed.from_address) == ("Ana García", "ana@example.com")
    assert parsed.recipients == [
        "soporte@tienda.example",
        "soporte+0123456789abcdef0123@tienda.example",
    ]
    assert parsed.text == "Hola, ¿llega mañana?"
    assert parsed.language == "es"
    assert not parsed.automatic
    assert parsed.problems == []


def test_html_only_mail_is_read_as_text_without_its_scripts():
    message = mail()
    message.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>Hola,</p>"
        "<p>el pedido <b>1234</b> llegó roto.<br>Gracias</p><script>alert(1)</script></body>",
        subtype="html",
    )
    parsed = parse.parse(message.as_bytes())
    assert parsed.text == "Hola,\n\nel pedido 1234 llegó roto.\nGracias"
    assert "alert" not in parsed.text and "color" not in parsed.text


def test_text_is_preferred_to_html_and_files_are_listed_with_their_types():
    message = mail("El texto")
    message.add_alternative("<p>El HTML</p>", subtype="html")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="factura.pdf")
    parsed = parse.parse(message.as_bytes())
    assert parsed.text == "El texto"
    [attachment] = parsed.attachments
    assert (attachment.name, attachment.content_type) == ("factura.pdf", "application/pdf")
    assert attachment.read() == PDF
    assert attachment.size == len(PDF)


def test_a_broken_charset_is_read_as_well_as_it_can_be_and_said():
    raw = (
        b"From: ana@example.com\r\nSubject: =?x-nonsense?q?caf=E9?=\r\n"
        b"Content-Type: text/plain; charset=x-nonsense\r\n\r\nHola caf\xc3\xa9\r\n"
    )
    parsed = parse.parse(raw)
    assert parsed.text == "Hola café"
    assert parse.CHARSET in parsed.problems
    assert parsed.from_address == "ana@example.com"


def test_latin1_text_declared_as_utf8_is_not_garbled():
    raw = (
        b"From: ana@example.com\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nEl env\xedo lleg\xf3 ma\xf1ana\r\n"
    )
    parsed = parse.parse(raw)
    assert parsed.text == "El envío llegó mañana"
    assert parse.CHARSET in parsed.problems


def test_raw_utf8_headers_are_read():
    raw = "From: José Núñez <jose@example.com>\r\nSubject: Pedido roto ñ\r\n\r\nHola\r\n"
    parsed = parse.parse(raw.encode())
    assert parsed.subject == "Pedido roto ñ"
    assert parsed.from_name == "José Núñez"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage without headers",
        b"Subject: only a subject\r\n\r\n",
        b"From: <<<@@>>>\r\nTo: ,,,@\r\nMessage-ID: \r\n\r\ntext",
        b"From: ana@example.com\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all",
        b"From: ana@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@not base64",
        b"From: =?utf-8?b?broken?= <ana@example.com>\r\nSubject: =?utf-8?q?=FF=FE?=\r\n\r\nx",
    ],
)
def test_malformed_mail_never_raises(raw):
    parsed = parse.parse(raw)
    assert isinstance(parsed.text, str)
    assert isinstance(parsed.problems, list)


def test_missing_headers_are_marked():
    parsed = parse.parse(b"Hello there, no headers here")
    assert parsed.from_address == ""
    assert parse.SENDER in parsed.problems
    assert parsed.message_id == ""


def test_a_multipart_without_its_boundary_keeps_its_text():
    raw = b"From: ana@example.com\r\nContent-Type: multipart/mixed\r\n\r\nMy order is late."
    parsed = parse.parse(raw)
    assert "My order is late." in parsed.text
    assert parse.STRUCTURE in parsed.problems


def test_a_forwarded_message_is_one_attachment_and_gives_its_text_when_alone():
    inner = mail("El mensaje reenviado", subject="Pedido 1234")
    outer = EmailMessage()
    outer["From"] = "ana@example.com"
    outer["Subject"] = "Fwd: Pedido 1234"
    outer.set_content("")
    outer.make_mixed()
    outer.attach(_rfc822(inner))
    parsed = parse.parse(outer.as_bytes())
    [attachment] = parsed.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.name == "Pedido 1234.eml"
    assert b"El mensaje reenviado" in attachment.read()
    assert parsed.text == "El mensaje reenviado"


def _rfc822(inner):
    part = EmailMessage()
    part.set_content(inner)
    return part


DSN = b"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example>
To: soporte@tienda.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The address ana@example.com was not found.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; ana@example.com
Action: failed
Status: 5.1.1

--B
Content-Type: text/rfc822-headers

From: Tienda <soporte@tienda.example>
To: ana@example.com
Subject: Re: Tu mensaje [CK-2026-000001]
Message-ID: <reply-1@tienda.example>

--B--
"""


def test_a_delivery_report_is_a_bounce_and_names_the_email_it_returns():
    parsed = parse.parse(DSN.replace(b"\n", b"\r\n"))
    assert parsed.bounce and not parsed.auto_reply
    assert parsed.returned_message_ids == ["<reply-1@tienda.example>"]
    # Its parts are machinery, not files the shopper sent.
    assert parsed.attachments == []


def test_a_delivery_report_from_anyone_is_a_bounce():
    parsed = parse.parse(DSN.replace(b"MAILER-DAEMON@mx.example", b"notices@mx.example"))
    assert parsed.bounce


@pytest.mark.parametrize(
    "sender",
    ["MAILER-DAEMON@mx.example", "postmaster@tienda.example", "Postmaster <POSTMASTER@x.org>"],
)
def test_mail_from_the_mail_system_is_a_bounce(sender):
    assert parse.parse(mail(sender=sender).as_bytes()).bounce


def test_the_null_return_path_is_a_bounce():
    raw = b"Return-Path: <>\r\n" + mail(sender="robot@mx.example").as_bytes()
    parsed = parse.parse(raw)
    assert parsed.return_path == ""
    assert parsed.bounce


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "Fuera de la oficina"},
    ],
)
def test_automatic_answers_are_recognised(headers):
    parsed = parse.parse(mail(**headers).as_bytes())
    assert parsed.auto_reply and not parsed.bounce
    assert parsed.automatic_because


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "no"},
        # A support address that is a Google Group relays shoppers' mail with these.
        {"Precedence": "list", "List_Id": "<soporte.tienda.example>"},
        {"List_Unsubscribe": "<mailto:x@example.com>"},
    ],
)
def test_people_writing_through_a_list_are_not_automatic(headers):
    assert not parse.parse(mail(**headers).as_bytes()).automatic


def test_a_read_receipt_is_automatic():
    receipt = mail("Your message was read")
    receipt.replace_header("Content-Type", "multipart/report")
    receipt.set_param("report-type", "disposition-notification")
    assert parse.parse(receipt.as_bytes()).auto_reply


def test_a_50_mb_attachment_is_measured_without_decoding_it():
    big = bytes(range(256)) * (50 * 1024 * 1024 // 256)
    message = mail("Here is the video")
    message.add_attachment(big, maintype="video", subtype="mp4", filename="video.mp4")
    raw = message.as_bytes()
    del message
    tracemalloc.start()
    try:
        parsed = parse.parse(raw)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [attachment] = parsed.attachments
    assert attachment.name == "video.mp4"
    assert abs(attachment.size - len(big)) < 8
    assert parsed.text == "Here is the video"
    # Too big to keep: only its size is known, and it costs no memory beside the email.
    assert attachment.complete is False and attachment.read() == b""
    assert peak < len(raw) // 20, peak
