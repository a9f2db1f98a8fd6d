"""Hostile input against the shopper's conversation page: its reply box, its file route, made-
up and tampered links, and the "email me a new link" form.

A reply is stored whole (the message as sent, its files on disk) or refused with the page
shown again and the errors listed; a link that does not work shows nothing of any
conversation; the new-link form answers the same whatever it is sent, and stores nothing but
the email it queues.
"""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactkit.inbox import spam
from contactkit.inbox.models import Attachment, Message
from tests.fuzz import helpers
from tests.fuzz.helpers import attempt, describe, fuzz, no_server_error, stored
from tests.fuzz.strategies import (
    field_value,
    good_uploads,
    hostile_headers,
    hostile_text,
    multipart,
    query_strings,
    tokens,
    uploads,
    urlencoded,
)

pytestmark = pytest.mark.django_db

REPLY_FIELDS = ["message", "website", "started", "attachments", "csrfmiddlewaretoken", "x"]


@st.composite
def replies(draw):
    fields = {
        "message": "Gracias, lo espero.",
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
    }
    if draw(st.booleans()):
        fields["message"] = draw(hostile_text)
        files = draw(good_uploads)
    else:
        fields.update(draw(st.dictionaries(st.sampled_from(REPLY_FIELDS), field_value, max_size=3)))
        files = draw(uploads)
    if files or draw(st.booleans()):
        content_type, body = multipart(fields, files)
    else:
        content_type, body = "application/x-www-form-urlencoded", urlencoded(fields)
    return content_type, body, draw(hostile_headers())


@fuzz(max_examples=40)
@given(send=replies())
def test_a_reply_from_the_page_is_stored_whole_or_explained(fuzz_shop, send):
    content_type, body, headers = send
    conversation = fuzz_shop.conversation
    path = f"{fuzz_shop.contact.url}conversation/{fuzz_shop.thread_token}/"
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic("POST", path, body, content_type=content_type, **headers)
        no_server_error(response)
        after = stored(fuzz_shop)
        if response.status_code == 303:
            seen = helpers.parsed(path, content_type, body, headers)
            last = conversation.messages.filter(kind=Message.Kind.SHOPPER).latest("pk")
            assert last.body == seen.POST["message"].strip()
            kept = list(Attachment.objects.filter(message=last))
            for attachment in kept:
                assert attachment.file.storage.exists(attachment.file.name)
            assert len(after["files"] - before["files"]) == len(kept)
            assert len(kept) == len(seen.FILES.getlist("attachments"))
            # Back on the page, the message is there.
            headers.pop("HTTP_COOKIE", None)
            page = client.get(response["Location"], **headers)
            assert page.status_code == 200, describe(page)
        elif response.status_code == 200:
            helpers.form_errors_shown(response)
            assert after == before
        else:
            assert response.status_code == 400, describe(response)
            assert after == before


@fuzz(max_examples=50)
@given(
    token=st.one_of(tokens, st.just("good"), st.just("chat")),
    route=st.sampled_from(
        ["", "files/1/", "files/{file}/", "files/99999999999999999999999/", "x/"]
    ),
    method=st.sampled_from(["GET", "GET", "HEAD", "POST", "PUT", "DELETE"]),
    query=query_strings,
    headers=hostile_headers(),
)
def test_any_link_to_a_conversation_page_gets_an_answer_and_no_data(
    fuzz_shop, token, route, method, query, headers
):
    real = {"good": fuzz_shop.thread_token, "chat": fuzz_shop.chat_token}.get(token)
    if real is None:
        # Made up or tampered with: a real token with a change, or anything at all.
        token = token if len(token) % 2 else fuzz_shop.thread_token[:-3] + token[:20]
    route = route.format(file=fuzz_shop.attachment.pk)
    path = f"{fuzz_shop.contact.url}conversation/{real or token}/{route}"
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(method, path, QUERY_STRING=query, **headers)
        no_server_error(response)
        if response.streaming:
            helpers.read_stream(response)  # a file: downloaded, and its handle closed
        if method != "POST":
            assert stored(fuzz_shop) == before
        if real is None:
            assert response.status_code in (404, 405, 410), describe(response)
            assert fuzz_shop.conversation.reference.encode() not in response.content


@st.composite
def link_requests(draw, shop):
    fields = {"email": "ana@example.com", "reference": shop.conversation.reference, "website": ""}
    names = st.sampled_from(["email", "reference", "website", "x"])
    fields.update(draw(st.dictionaries(names, field_value, max_size=3)))
    if draw(st.booleans()):
        content_type, body = multipart(fields)
    else:
        content_type, body = "application/x-www-form-urlencoded", urlencoded(fields)
    return content_type, body, draw(hostile_headers())


@fuzz(max_examples=30)
@given(data=st.data())
def test_the_new_link_form_answers_anything_the_same_way(fuzz_shop, data):
    content_type, body, headers = data.draw(link_requests(fuzz_shop))
    path = f"{fuzz_shop.contact.url}conversation/link/"
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic("POST", path, body, content_type=content_type, **headers)
        no_server_error(response)
        after = stored(fuzz_shop)
        # Nothing but the new-link email (a delivery) is ever stored.
        assert {**after, "email deliveries": 0} == {**before, "email deliveries": 0}
        assert after["email deliveries"] - before["email deliveries"] in (0, 1)
        if response.status_code == 303:
            assert response["Location"].endswith("?sent=1")
        elif response.status_code == 200:
            helpers.form_errors_shown(response)
        else:
            assert response.status_code in (400, 429), describe(response)
