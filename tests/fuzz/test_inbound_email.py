"""Hostile posts to the inbound-email webhook (docs/incoming-email.md): any secret, any body,
any wrapping (raw MIME, a form, JSON), any email inside.

Without the right secret nothing is read (403); with it, every email is kept (its row and its
raw bytes on disk) and, when it starts a conversation, the conversation comes whole with its
first message; nothing is ever a server error, whatever the email holds.
"""

import base64
import json
from email.message import EmailMessage

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contactkit.inbox.models import Conversation, InboundEmail
from tests.fuzz.helpers import SECRET, attempt, describe, fuzz, is_json, no_server_error, stored
from tests.fuzz.strategies import (
    PDF,
    encode,
    file_names,
    header_value,
    hostile_text,
    multipart,
    png,
    urlencoded,
)

pytestmark = pytest.mark.django_db

URL = "/contactkit/inbound-email/"


def basic(user, password):
    return "Basic " + base64.b64encode(encode(f"{user}:{password}")).decode()


right_secrets = st.sampled_from(
    [{"HTTP_X_CONTACTKIT_SECRET": SECRET}, {"HTTP_AUTHORIZATION": basic("mailgun", SECRET)}]
)
wrong_secrets = st.one_of(
    st.sampled_from(
        [
            {},
            {"HTTP_X_CONTACTKIT_SECRET": ""},
            {"HTTP_X_CONTACTKIT_SECRET": SECRET + "x"},
            {"HTTP_X_CONTACTKIT_SECRET": SECRET[:-1]},
            {"HTTP_AUTHORIZATION": "Basic not-base64!"},
            {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
            {"HTTP_AUTHORIZATION": "Bearer " + SECRET},
            {"HTTP_AUTHORIZATION": basic("", "")},
            {"HTTP_AUTHORIZATION": basic(SECRET, "")},
        ]
    ),
    hostile_text.map(lambda text: {"HTTP_X_CONTACTKIT_SECRET": header_value(text)}),
    hostile_text.map(lambda text: {"HTTP_AUTHORIZATION": header_value(basic("u", text))}),
)
# Mostly the right secret: a wrong one stops at the door, and the email is what is fuzzed.
secrets_sent = st.integers(0, 3).flatmap(lambda pick: wrong_secrets if pick == 3 else right_secrets)

RAW_MAILS = [
    b"",
    b"\r\n\r\n",
    b"From: ana@example.com\r\n\r\nHola",
    b"From: ana@example.com\r\nSubject: =?utf-8?b?SG9sYQ==?=\r\n\r\nHola",
    b"From: \x00ana@example.com\r\nSubject: a\x00b\r\n\r\nte\x00xto",
    b"From: ana@example.com\r\nContent-Type: text/plain; charset=bogus\r\n\r\n\xff\xfe",
    b"From: ana@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nnulo=00aqu=ED=",
    b"From: ana@example.com\r\nContent-Type: text/plain\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
    b"From: ana@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--",
    b"From: ana@example.com\r\nContent-Type: multipart/mixed\r\n\r\nno boundary",
    b"From: =?utf-8?q?=00?= <ana@example.com>\r\nSubject: =?x-unknown?q?hola?=\r\n\r\nHola",
    b"From: ana@example.com\r\nSubject: " + b"x" * 5000 + b"\r\n\r\nHola",
    b"From: ana@example.com\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>"
    + b"<p>Hola</p>",
    b"From: ana@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n\r\nMira\r\n--b\r\n"
    b'Content-Type: image/png\r\nContent-Disposition: attachment; filename="a\x00.png"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(png()) + b"\r\n--b--\r\n",
    b"\x00" * 200,
    bytes(range(256)),
]


@st.composite
def mails(draw):
    """An email: built with the email package from hostile parts, or bytes of any kind."""
    if draw(st.integers(0, 2)) == 0:
        return draw(st.one_of(st.sampled_from(RAW_MAILS), st.binary(max_size=400)))
    message = EmailMessage()
    for header, value in draw(
        st.dictionaries(
            st.sampled_from(
                ["Subject", "Message-ID", "In-Reply-To", "References", "Reply-To", "X-X"]
            ),
            hostile_text,
            max_size=3,
        )
    ).items():
        try:
            message[header] = value
        except (ValueError, TypeError, IndexError):
            # The email package refuses it (a line break, say): a raw mail tries it instead.
            pass
    sender = draw(st.one_of(st.just("Ana <ana@example.com>"), hostile_text))
    try:
        message["From"] = sender
    except (ValueError, TypeError, IndexError):
        message["From"] = "ana@example.com"
    text = draw(hostile_text)
    try:
        message.set_content(text, cte=draw(st.sampled_from(["8bit", "quoted-printable", "base64"])))
    except (ValueError, TypeError, UnicodeError):
        message.set_content("Hola")
    for name, content in draw(
        st.lists(st.tuples(file_names, st.sampled_from([png(), PDF, b"\x00junk"])), max_size=2)
    ):
        try:
            message.add_attachment(
                content, maintype="application", subtype="octet-stream", filename=name
            )
        except (ValueError, TypeError, IndexError):
            # A name the email package will not write (a line break): a raw mail tries it.
            pass
    if message.is_multipart():
        # Else the email package draws a boundary with the random module.
        message.set_boundary("ck-fuzz-mail-boundary")
    try:
        return message.as_bytes()
    except (ValueError, TypeError, UnicodeError, IndexError):
        return b"From: ana@example.com\r\n\r\n" + encode(text)


@st.composite
def posts(draw):
    """The email as a provider posts it: raw, in a form (multipart or urlencoded), in JSON."""
    raw = draw(mails())
    wrapping = draw(st.sampled_from(["raw", "multipart", "urlencoded", "json", "junk"]))
    field = draw(st.sampled_from(["email", "body-mime", "raw", "RawEmail", "other"]))
    text = raw.decode("utf-8", "surrogateescape")
    if wrapping == "raw":
        return draw(st.sampled_from(["message/rfc822", "text/plain", ""])), raw
    if wrapping == "multipart":
        content_type, body = (
            multipart({"to": "x"}, [(field, "mail.eml", raw, "message/rfc822")])
            if draw(st.booleans())
            else multipart({field: raw.decode("utf-8", "replace"), "to": "x"})
        )
        return content_type, body
    if wrapping == "urlencoded":
        return "application/x-www-form-urlencoded", urlencoded(
            {field: text.encode("utf-8", "surrogateescape").decode("latin-1"), "x": "1"}
        )
    if wrapping == "json":
        value = draw(
            st.one_of(
                st.just(text),
                # An email with a lone surrogate in it (JSON's "\ud800"), or junk.
                hostile_text.map(lambda junk: text + junk),
                st.integers(),
                st.none(),
                st.lists(st.just(text)),
            )
        )
        body = {field: value} if draw(st.booleans()) else [value]
        return "application/json", json.dumps(body).encode()
    return draw(
        st.sampled_from(
            ["multipart/form-data; boundary=", "multipart/form-data", "application/json"]
        )
    ), raw


@fuzz(max_examples=60)
@given(post=posts(), secret=secrets_sent)
# A lone surrogate in Postmark-style JSON: no byte stands for it (was a 500).
@example(
    post=("application/json", b'{"RawEmail": "From: ana@example.com\\r\\n\\r\\n\\ud800"}'),
    secret={"HTTP_X_CONTACTKIT_SECRET": SECRET},
)
# NUL in the subject and the text, raw or quoted-printable (=00): PostgreSQL keeps no NUL.
@example(
    post=("message/rfc822", b"From: ana@example.com\r\nSubject: a\x00b\r\n\r\nte\x00xto"),
    secret={"HTTP_X_CONTACTKIT_SECRET": SECRET},
)
@example(
    post=(
        "message/rfc822",
        b"From: ana@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nnulo=00aqu=ED=",
    ),
    secret={"HTTP_X_CONTACTKIT_SECRET": SECRET},
)
# An email with "ñ" in it, urlencoded (Mailgun): parse_qs of bytes failed on it (was a 500).
@example(
    post=(
        "application/x-www-form-urlencoded",
        b"body-mime=From%3A+ana%40example.com%0D%0A%0D%0A%C3%B1",
    ),
    secret={"HTTP_X_CONTACTKIT_SECRET": SECRET},
)
def test_the_webhook_keeps_every_email_it_is_given_and_nothing_else(fuzz_shop, post, secret):
    content_type, body = post
    right = secret in (
        {"HTTP_X_CONTACTKIT_SECRET": SECRET},
        {"HTTP_AUTHORIZATION": basic("mailgun", SECRET)},
    )
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic("POST", URL, body, content_type=content_type, **secret)
        no_server_error(response)
        assert is_json(response), describe(response)
        after = stored(fuzz_shop)
        if not right:
            assert response.status_code == 403, describe(response)
            assert after == before
            return
        if response.status_code != 200:
            assert response.status_code in (400, 413), describe(response)
            assert after == before
            return
        answer = response.json()
        inbound = InboundEmail.objects.latest("pk")
        assert inbound.outcome == answer["outcome"]
        assert inbound.raw and inbound.raw.storage.exists(inbound.raw.name)
        assert after["inbound emails"] == before["inbound emails"] + 1
        if answer["outcome"] in ("new", "flagged"):
            conversation = Conversation.objects.get(reference=answer["reference"])
            assert conversation.messages.exists()
            assert after["conversations"] == before["conversations"] + 1
        else:
            assert after["conversations"] == before["conversations"]


@fuzz(max_examples=20)
@given(method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]), secret=secrets_sent)
def test_the_webhook_takes_nothing_but_a_post(fuzz_shop, method, secret):
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(method, URL, b"From: a@b.c\r\n\r\nx", **secret)
        no_server_error(response)
        assert response.status_code == 405, describe(response)
        assert stored(fuzz_shop) == before
