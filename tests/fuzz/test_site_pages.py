"""Hostile requests against the rest of what is public: every contactkit page in both
languages, the sitemap, staff's chat stream, the session and CSRF cookies.

Nothing here stores anything; every answer is a page, a redirect or a 4xx, never a 5xx.
"""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.helpers import attempt, describe, fuzz, no_server_error, stored
from tests.fuzz.strategies import (
    field_value,
    header_value,
    hostile_headers,
    hostile_text,
    path_segment,
    query_strings,
    urlencoded,
)

pytestmark = pytest.mark.django_db


def contact_fields():
    return {
        "name": "Ana García",
        "email": "ana@example.com",
        "topic": "product",
        "message": "Hola",
        "consent": "on",
        "extra_color_favorito": "Azul",
    }


PAGES = ["contact", "about", "legal", "returns", "home"]


@fuzz(max_examples=50)
@given(
    page=st.sampled_from(PAGES),
    language=st.sampled_from(["", "/en", "/es", "/de", "/xx"]),
    tail=st.one_of(st.just(""), hostile_text.map(path_segment).map(lambda part: part + "/")),
    query=query_strings,
    method=st.sampled_from(["GET", "GET", "HEAD", "POST", "OPTIONS", "PUT"]),
    headers=hostile_headers(),
)
def test_every_page_answers_any_language_tail_and_query(
    fuzz_shop, page, language, tail, query, method, headers
):
    found = fuzz_shop.site.root_page if page == "home" else getattr(fuzz_shop, page)
    path = language + found.url + tail
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(method, path, QUERY_STRING=query, **headers)
        no_server_error(response)
        assert stored(fuzz_shop) == before


@fuzz(max_examples=30)
@given(
    path=st.sampled_from(["/sitemap.xml", "/en/sitemap.xml", "/sitemap.xml/x"]),
    query=st.one_of(query_strings, st.sampled_from(["p=2", "p=0", "p=-1", "p=1e3", "p=%00"])),
    headers=hostile_headers(),
)
def test_the_sitemap_answers_any_page_number(fuzz_shop, path, query, headers):
    with attempt(fuzz_shop) as client:
        response = client.get(path, QUERY_STRING=query, **headers)
        no_server_error(response)
        if response.status_code == 200:
            assert b"<urlset" in response.content


@fuzz(max_examples=30)
@given(
    pk=st.one_of(
        st.sampled_from(["1", "0", "99999999999999999999999", "-1", "x", "%00"]),
        hostile_text.map(path_segment),
    ),
    method=st.sampled_from(["GET", "POST", "HEAD"]),
    query=query_strings,
    headers=hostile_headers(),
)
def test_staffs_chat_stream_refuses_shoppers(fuzz_shop, pk, method, query, headers):
    with attempt(fuzz_shop) as client:
        response = client.generic(
            method, f"/contactkit/chat/{pk}/stream/", QUERY_STRING=query, **headers
        )
        no_server_error(response)
        assert not response.streaming
        assert response.status_code in (301, 403, 404, 405), describe(response)


@fuzz(max_examples=30)
@given(
    fields=st.dictionaries(
        st.sampled_from(["csrfmiddlewaretoken", "message", "email", "reference"]),
        field_value,
        max_size=3,
    ),
    cookie=st.one_of(st.just(""), hostile_text.map(lambda value: f"csrftoken={value}")),
    origin=st.one_of(st.just(None), hostile_text, st.just("http://testserver")),
    referer=st.one_of(st.just(None), hostile_text, st.just("https://evil.example/")),
    route=st.sampled_from(["", "conversation/link/"]),
)
def test_a_forged_form_send_is_refused_by_the_csrf_check(
    fuzz_shop, fields, cookie, origin, referer, route
):
    headers = {"HTTP_COOKIE": header_value(cookie.replace("\x00", "").replace("\\", "/"))}
    if origin is not None:
        headers["HTTP_ORIGIN"] = header_value(origin)
    if referer is not None:
        headers["HTTP_REFERER"] = header_value(referer)
    with attempt(fuzz_shop, enforce_csrf_checks=True) as client:
        before = stored(fuzz_shop)
        response = client.generic(
            "POST",
            fuzz_shop.contact.url + route,
            urlencoded(fields),
            content_type="application/x-www-form-urlencoded",
            secure=bool(origin) and "https" in origin,
            **headers,
        )
        no_server_error(response)
        assert response.status_code == 403, describe(response)
        assert stored(fuzz_shop) == before


@fuzz(max_examples=20)
@given(
    key=st.one_of(hostile_text, st.sampled_from(["x" * 40, "", "abc", "\x00" * 10])),
    page=st.sampled_from(["contact", "thanks", "return-request", "thread"]),
)
@example(key="aaaaaaaa\x00", page="contact")
def test_a_session_cookie_with_a_nul_character_is_not_a_server_error(fuzz_shop, key, page):
    """A cookie's quoted value may hold octal escapes, which Django's cookie parser turns into
    characters: ``sessionid="aaaaaaaa\\000"`` is plain ASCII on the wire, and a session key
    with NUL in it for the session store (PostgreSQL keeps no NUL in text)."""
    thread = f"{fuzz_shop.contact.url}conversation/{fuzz_shop.thread_token}/"
    escaped = "".join(f"\\{ord(char):03o}" if char in '\x00"\\' else char for char in key)
    cookie = header_value(f'sessionid="{escaped}"')
    with attempt(fuzz_shop) as client:
        # Each reads or writes the session: the limits of a send, the reference of the last
        # one, the "your message is sent" of the conversation page.
        if page == "contact":
            response = client.post(fuzz_shop.contact.url, contact_fields(), HTTP_COOKIE=cookie)
        elif page == "thanks":
            response = client.get(fuzz_shop.contact.url + "thanks/", HTTP_COOKIE=cookie)
        elif page == "return-request":
            path = fuzz_shop.returns.url + "return-request/"
            response = client.get(path, {"sent": "CK-2026-000001"}, HTTP_COOKIE=cookie)
        else:
            response = client.post(thread, {"message": "Hola"}, HTTP_COOKIE=cookie)
        no_server_error(response)
