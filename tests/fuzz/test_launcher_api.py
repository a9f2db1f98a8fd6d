"""Hostile calls to the launcher's JSON API (docs/launcher-api.md) and its event streams.

Every answer is JSON (but a 204 and a stream), every refusal a 4xx with a ``detail`` sentence;
a chat is started whole (its conversation and first message, exactly as sent) or not at all;
a line is stored once or refused; nothing else is ever stored.
"""

import json

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from contactkit.inbox.models import Conversation, Message
from tests.fuzz.helpers import (
    attempt,
    describe,
    django_reads,
    fuzz,
    is_json,
    no_server_error,
    read_stream,
    stored,
    told,
)
from tests.fuzz.strategies import (
    STOREFRONT,
    content_types,
    header_value,
    hostile_headers,
    hostile_text,
    json_body,
    json_values,
    path_segment,
    query_strings,
    raw_bodies,
    tokens,
)

pytestmark = pytest.mark.django_db

API = "/contactkit/api"
# What the API's schemas strip off (pydantic's str_strip_whitespace: Unicode's White_Space,
# which, unlike Python's str.strip(), leaves the separators U+001C-U+001F).
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
WHITE_SPACE += "\u2028\u2029\u202f\u205f\u3000"
NEW_CHAT_FIELDS = ["site", "lang", "name", "email", "message", "website", "source"]


def answered_well(response):
    """No server error; JSON throughout; a refusal says why."""
    no_server_error(response)
    if response.status_code == 204:
        return
    assert is_json(response), describe(response)
    if response.status_code >= 400:
        told(response)


@st.composite
def new_chats(draw):
    """A body for ``POST /chats``: right but for a few hostile fields, or anything at all."""
    kind = draw(st.sampled_from(["fields", "fields", "value", "raw"]))
    if kind == "raw":
        return draw(raw_bodies)
    if kind == "value":
        return json_body(draw(json_values))
    body = {
        "site": "SITE",
        "lang": "es",
        "name": "Ana García",
        "email": "ana@example.com",
        "message": "¿Tenéis la taza azul en grande?",
        "website": "",
        "source": "widget",
    }
    names = st.sampled_from([*NEW_CHAT_FIELDS, "extra"])
    values = st.one_of(hostile_text, json_values)
    body.update(draw(st.dictionaries(names, values, max_size=3)))
    for name in draw(st.lists(names, max_size=1)):
        body.pop(name, None)
    return body


def with_site(body, site):
    if isinstance(body, dict):
        body = {key: site.pk if value == "SITE" else value for key, value in body.items()}
        return json_body(body)
    return body


@fuzz(max_examples=60)
@given(
    body=new_chats(),
    content_type=st.one_of(st.just("application/json"), content_types),
    query=st.one_of(st.just(""), query_strings),
    headers=hostile_headers(),
)
@example(
    body={"site": "SITE", "name": "Ana\x00", "email": "ana@example.com", "message": "x"},
    content_type="application/json",
    query="",
    headers={},
)
@example(
    body={"site": "SITE", "name": "Ana", "email": "ana@example.com", "message": "\ud800"},
    content_type="application/json",
    query="",
    headers={},
)
# OverflowError: int() of the float JSON's 1e400 stands for.
@example(body=b'{"site": 1e400}', content_type="application/json", query="", headers={})
# RecursionError: Python's JSON parser gives up on arrays nested thousands deep.
@example(body=b"[" * 5000 + b"]" * 5000, content_type="application/json", query="", headers={})
def test_a_chat_is_started_whole_or_refused_with_a_sentence(
    fuzz_shop, body, content_type, query, headers
):
    assume(django_reads(content_type, query))
    raw = with_site(body, fuzz_shop.site)
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(
            "POST", f"{API}/chats", raw, content_type=content_type, QUERY_STRING=query, **headers
        )
        answered_well(response)
        after = stored(fuzz_shop)
        if response.status_code == 201:
            sent = json.loads(raw)
            conversation = Conversation.objects.get(reference=response.json()["reference"])
            assert after["conversations"] == before["conversations"] + 1
            first = conversation.messages.get()
            assert first.body == sent["message"].strip(WHITE_SPACE)
            assert conversation.name == sent["name"].strip(WHITE_SPACE)
            # The token it answered works.
            events = client.get(f"{API}/chats/{response.json()['token']}/events")
            assert events.status_code == 200, describe(events)
        else:
            assert after == before


@st.composite
def lines(draw):
    kind = draw(st.sampled_from(["fields", "fields", "value", "raw"]))
    if kind == "raw":
        return draw(raw_bodies)
    if kind == "value":
        return json_body(draw(json_values))
    body = {"body": draw(hostile_text)}
    if draw(st.booleans()):
        body["key"] = draw(st.one_of(st.text("abc-_", max_size=8), hostile_text, json_values))
    if draw(st.booleans()):
        body.update(draw(st.dictionaries(hostile_text, json_values, max_size=2)))
    return json_body(body)


@fuzz(max_examples=60)
@given(
    body=lines(),
    content_type=st.one_of(st.just("application/json"), content_types),
    query=st.one_of(st.just(""), query_strings),
    headers=hostile_headers(),
)
@example(body=json_body({"body": "a\x00b"}), content_type="application/json", query="", headers={})
@example(body=json_body({"body": "\udfff"}), content_type="application/json", query="", headers={})
def test_a_chat_line_is_stored_once_or_refused(fuzz_shop, body, content_type, query, headers):
    assume(django_reads(content_type, query))
    token = fuzz_shop.chat_token
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(
            "POST",
            f"{API}/chats/{token}/messages",
            body,
            content_type=content_type,
            QUERY_STRING=query,
            **headers,
        )
        answered_well(response)
        after = stored(fuzz_shop)
        if response.status_code == 201:
            line = Message.objects.get(pk=response.json()["id"])
            assert line.conversation_id == fuzz_shop.chat.pk
            assert line.body == json.loads(body)["body"].strip(WHITE_SPACE)
            assert after["messages"] - before["messages"] == 1
            assert after["conversations"] == before["conversations"]
        else:
            assert after == before


ROUTES = [
    "/launcher",
    "/chats",
    "/chats/{token}/events",
    "/chats/{token}/messages",
    "/chats/{token}/typing",
    "/chats/{token}/stream",
    "/chats/{token}/seen",
    "/chats/{token}",
    "/openapi.json",
    "/docs",
    "/nada",
    "/",
]
NOT_JSON = {"/docs", "/openapi.json", "/chats/{token}/seen", "/chats/{token}", "/nada"}


@fuzz(max_examples=60)
@given(
    route=st.sampled_from(ROUTES),
    token=st.one_of(tokens, st.sampled_from(["good", "other"])),
    method=st.sampled_from(["GET", "GET", "POST", "OPTIONS", "HEAD", "PUT", "DELETE", "PATCH"]),
    query=query_strings,
    body=st.one_of(st.just(b""), raw_bodies, json_values.map(json_body)),
    content_type=content_types,
    headers=hostile_headers(),
    last_event_id=st.one_of(st.none(), hostile_text, st.sampled_from(["chat-x:1", "1", "-1"])),
)
# django-ninja's home page, which raises Http404 without its docs: was a 500 in JSON.
@example(
    route="/",
    token="x",
    method="GET",
    query="",
    body=b"",
    content_type="application/json",
    headers={},
    last_event_id=None,
)
# More query fields than DATA_UPLOAD_MAX_NUMBER_FIELDS: TooManyFieldsSent was a 500 in JSON.
@example(
    route="/launcher",
    token="x",
    method="GET",
    query="&".join(["a=1"] * 1001),
    body=b"",
    content_type="application/json",
    headers={},
    last_event_id=None,
)
def test_every_address_of_the_api_answers_json_and_never_fails(
    fuzz_shop, route, token, method, query, body, content_type, headers, last_event_id
):
    assume(django_reads(content_type, query))
    real = {"good": fuzz_shop.chat_token, "other": fuzz_shop.thread_token}.get(token, token)
    path = API + route.format(token=real)
    if last_event_id is not None:
        headers["HTTP_LAST_EVENT_ID"] = header_value(last_event_id)
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(
            method, path, body, content_type=content_type, QUERY_STRING=query, **headers
        )
        no_server_error(response)
        if response.streaming:
            assert response["Content-Type"].startswith("text/event-stream")
            assert b"stream-open" in read_stream(response)
        elif (
            route in NOT_JSON
            or "%2F" in real.upper()  # a slash in the token: not an address of the API
            or response.status_code == 204
            or method == "HEAD"
        ):
            # django-ninja's docs page; addresses that are not the API's (Django redirects
            # them to the address with a slash, or says 400 when that would be too long, and
            # Wagtail answers 404); answers to HEAD, which have no body.
            pass
        else:
            assert is_json(response), describe(response)
            if response.status_code >= 400:
                told(response)
        if method != "POST":
            assert stored(fuzz_shop) == before


@fuzz(max_examples=40)
@given(
    origin=st.one_of(st.sampled_from([STOREFRONT, "https://evil.example", "null"]), hostile_text),
    method=st.sampled_from(["OPTIONS", "GET", "POST"]),
    route=st.sampled_from(["/launcher", "/chats", "/chats/{token}/events"]),
    request_headers=st.one_of(st.just(""), hostile_text),
)
def test_other_storefronts_are_answered_by_the_rules(
    fuzz_shop, origin, method, route, request_headers
):
    path = API + route.format(token=fuzz_shop.chat_token)
    with attempt(fuzz_shop) as client:
        response = client.generic(
            method,
            path,
            b"{}",
            content_type="application/json",
            QUERY_STRING=f"site={fuzz_shop.site.pk}",
            HTTP_ORIGIN=header_value(origin),
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS=header_value(request_headers),
        )
        no_server_error(response)
        allowed = response.get("Access-Control-Allow-Origin")
        # Only ever the listed storefront is let read the answer, and never with credentials.
        assert allowed in (None, STOREFRONT), describe(response)
        assert "Access-Control-Allow-Credentials" not in response
        if response.status_code == 403:
            told(response)


@fuzz(max_examples=30)
@given(
    last_event_id=st.one_of(
        st.none(),
        st.sampled_from(["chat-x:1", "1", "-1", "%00", "chat-:99999999999999999999", ":"]),
        hostile_text,
    ),
    query=st.one_of(
        st.just(""),
        query_strings,
        hostile_text.map(lambda text: "lastEventId=" + path_segment(text)),
        st.sampled_from(["es-meta=x&channel=staff-x", "channels=a,b", "recover=1", "link=next"]),
    ),
    headers=hostile_headers(),
)
def test_a_chats_stream_opens_whatever_it_is_asked_to_resume_from(
    fuzz_shop, last_event_id, query, headers
):
    """The stream of a real chat, asked to resume from any event id, with any of
    django-eventstream's own parameters: it opens (or is refused in JSON), never fails."""
    if last_event_id is not None:
        headers["HTTP_LAST_EVENT_ID"] = header_value(last_event_id)
    path = f"{API}/chats/{fuzz_shop.chat_token}/stream"
    with attempt(fuzz_shop) as client:
        response = client.get(path, QUERY_STRING=query, **headers)
        no_server_error(response)
        if response.streaming:
            assert b"stream-open" in read_stream(response)
        else:
            assert is_json(response), describe(response)
            told(response)
