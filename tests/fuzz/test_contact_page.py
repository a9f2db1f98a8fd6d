"""Hostile input against the Contact page: its form (with an extra question of every kind),
the thank-you page and the vCard.

A send is either stored whole (the conversation, its first message with the text as sent,
every file it carried on disk, and the thank-you page naming its reference) or refused with
the form shown again and its errors listed, with nothing stored and no file left behind.
"""

import time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contactkit.inbox import spam
from contactkit.inbox.models import Attachment, Conversation, Message
from tests.fuzz import helpers
from tests.fuzz.helpers import attempt, describe, fuzz, no_server_error, stored
from tests.fuzz.strategies import (
    content_types,
    field_value,
    good_uploads,
    hostile_headers,
    hostile_text,
    multipart,
    png,
    query_strings,
    raw_bodies,
    submission_keys,
    uploads,
    urlencoded,
)

pytestmark = pytest.mark.django_db

BUILT_IN = [
    "name",
    "email",
    "phone",
    "topic",
    "order_number",
    "message",
    "consent",
    "website",
    "started",
    "submission_key",
    "csrfmiddlewaretoken",
    "unknown_field",
]


def valid_fields(key="0" * 32):
    return {
        "name": "Ana García",
        "email": "ana@example.com",
        "phone": "",
        "topic": "product",
        "order_number": "",
        "message": "¿La taza grande cabe en el lavavajillas?",
        "consent": "on",
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
        "submission_key": key,
        "extra_color_favorito": "Azul cobalto",
    }


def encoded(fields, files=(), *, as_multipart=True, headers=None):
    """A send as it goes over the wire: content type, body, request headers."""
    if files or as_multipart:
        content_type, body = multipart(fields, files)
    else:
        content_type, body = "application/x-www-form-urlencoded", urlencoded(fields)
    return content_type, body, headers or {}


# Fields a shopper writes freely: hostile text there is mostly accepted, and stored as sent.
FREE_TEXT = ["message", "order_number", "extra_comentario_largo", "extra_campana"]


@st.composite
def contact_sends(draw):
    """A contact form send: mostly right, with a few fields made hostile, maybe files, as a
    multipart or urlencoded body, with hostile headers.

    Half the sends only change what a shopper writes freely, so that many are stored and the
    way they are stored is checked; the rest change any field, or leave some out.
    """
    fields = valid_fields(draw(submission_keys))
    if draw(st.booleans()):
        fields.update(draw(st.dictionaries(st.sampled_from(FREE_TEXT), hostile_text, max_size=2)))
        files = draw(good_uploads)
    else:
        files = draw(uploads)
        names = st.sampled_from(BUILT_IN + helpers.EXTRA_FIELDS)
        fields.update(draw(st.dictionaries(names, field_value, max_size=4)))
        for name in draw(st.lists(names, max_size=2)):
            fields.pop(name, None)
    return encoded(fields, files, as_multipart=draw(st.booleans()), headers=draw(hostile_headers()))


@fuzz(max_examples=50)
@given(send=contact_sends())
@example(send=encoded({**valid_fields(), "message": "a\x00b"}))
@example(send=encoded({**valid_fields(), "message": "\ud800 \udfff"}, as_multipart=False))
@example(send=encoded({**valid_fields(), "extra_cuantas_piezas": "1e999999999"}))
@example(send=encoded({**valid_fields(), "extra_hora_de_visita": "0001-01-01 00:00"}))
@example(send=encoded(valid_fields(), [("attachments", "a" * 300 + ".png", png(), "image/png")]))
def test_the_contact_form_stores_a_send_whole_or_says_what_is_wrong(fuzz_shop, send):
    content_type, body, headers = send
    path = fuzz_shop.contact.url
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic("POST", path, body, content_type=content_type, **headers)
        no_server_error(response)
        after = stored(fuzz_shop)
        if response.status_code == 302:
            seen = helpers.parsed(path, content_type, body, headers)
            conversation = Conversation.objects.order_by("-pk").first()
            assert after["conversations"] == before["conversations"] + 1
            message = conversation.messages.get(kind=Message.Kind.SHOPPER)
            assert message.body == seen.POST["message"].strip()
            # Every file the form saw is stored, on disk, or said to be not kept (a full
            # quarantine): never a row without its file, never a file without its row.
            kept = list(Attachment.objects.filter(message=message))
            for attachment in kept:
                assert attachment.file.storage.exists(attachment.file.name)
                assert attachment.file.size == attachment.size
            new_files = after["files"] - before["files"]
            assert len(new_files) == len(kept)
            if len(kept) != len(seen.FILES.getlist("attachments")):
                assert "files_not_kept" in conversation.spam_reason, describe(response)
            # The thank-you page names the reference.
            # (With the session cookie the client was given, as a browser would send it.)
            headers.pop("HTTP_COOKIE", None)
            thanks = client.get(response["Location"], **headers)
            assert thanks.status_code == 200, describe(thanks)
            assert conversation.reference.encode() in thanks.content
        elif response.status_code == 200:
            helpers.form_errors_shown(response)
            assert after == before
        else:
            assert response.status_code == 400, describe(response)
            assert after == before


@fuzz(max_examples=30)
@given(body=raw_bodies, content_type=content_types, headers=hostile_headers())
def test_a_body_that_is_not_a_form_is_refused_cleanly(fuzz_shop, body, content_type, headers):
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(
            "POST", fuzz_shop.contact.url, body, content_type=content_type, **headers
        )
        no_server_error(response)
        assert response.status_code in (200, 400, 413), describe(response)
        assert stored(fuzz_shop) == before


@fuzz(max_examples=40)
@given(
    route=st.sampled_from(["", "thanks/", "vcard/", "conversation/link/", "nada/", "thanks/x/"]),
    query=query_strings,
    method=st.sampled_from(["GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]),
    headers=hostile_headers(),
    reference=st.sampled_from([None, "known", "CK-2099-999999", ""]),
)
def test_the_contact_pages_answer_any_address_and_query(
    fuzz_shop, route, query, method, headers, reference
):
    with attempt(fuzz_shop) as client:
        if reference is not None:
            # The thank-you page reads the reference of the last send from the session (only
            # ever one the server put there: a conversation's, maybe erased since).
            session = client.session
            known = fuzz_shop.conversation.reference
            session["contactkit_reference"] = known if reference == "known" else reference
            session.save()
            client.cookies["sessionid"] = session.session_key
            headers.pop("HTTP_COOKIE", None)
        before = stored(fuzz_shop)
        response = client.generic(
            method, fuzz_shop.contact.url + route, QUERY_STRING=query, **headers
        )
        no_server_error(response)
        assert stored(fuzz_shop) == before
