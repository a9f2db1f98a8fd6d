"""Hostile input against the Returns page: the withdrawal button's statement, confirmation,
receipt and receipt PDF, the return request form and the printable withdrawal form.

A statement that passes its checks goes all the way: its confirmation step, one withdrawal
stored (however often it is confirmed), its receipt and PDF readable. One that does not is
shown again with its errors and nothing stored. Confirmations and receipts that were not
made by the shop are refused with a sentence, never a server error.
"""

import time

import pytest
from bs4 import BeautifulSoup
from hypothesis import example, given
from hypothesis import strategies as st

from contactkit.inbox import spam
from contactkit.inbox.models import Attachment, Conversation, Message
from contactkit.returns.withdrawal.models import Withdrawal
from tests.fuzz import helpers
from tests.fuzz.helpers import attempt, describe, fuzz, no_server_error, stored
from tests.fuzz.strategies import (
    field_value,
    good_uploads,
    hostile_headers,
    hostile_text,
    multipart,
    query_strings,
    submission_keys,
    tokens,
    uploads,
    urlencoded,
)

pytestmark = pytest.mark.django_db

STATEMENT_FIELDS = [
    "name",
    "email",
    "order_number",
    "order_date",
    "delivery_date",
    "items",
    "comment",
    "website",
    "started",
    "submission_key",
]
DATES = st.one_of(
    st.sampled_from(
        [
            "",
            "2026-06-01",
            "01/06/2026",
            "15/06/2026",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "2026-13-01",
            "99999-01-01",
            "-2026-01-01",
            "2026-06-01T10:00",
            "１５/０６/２０２６",
        ]
    ),
    hostile_text,
)
ITEMS = st.one_of(
    st.sampled_from(
        [
            "2 tazas azules",
            "taza x2\nplato, 1",
            "0 tazas",
            "1000 tazas",
            "9" * 30 + " tazas",
            "9" * 5000 + " tazas",
            "٣ أكواب",
            "x" * 300,
            "\n".join(["1 taza"] * 25),
            "- 2 platos\n• 1 jarrón",
        ]
    ),
    hostile_text,
)


def statement_fields(**overrides):
    return {
        "name": "Ana García",
        "email": "ana@example.com",
        "order_number": "CA-1001",
        "order_date": "",
        "items": "",
        "comment": "",
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
        "submission_key": "0" * 32,
        **overrides,
    }


def encoded(fields, *, as_multipart=False, headers=None):
    if as_multipart:
        content_type, body = multipart(fields)
    else:
        content_type, body = "application/x-www-form-urlencoded", urlencoded(fields)
    return content_type, body, headers or {}


@st.composite
def statements(draw):
    fields = statement_fields(
        order_number=draw(st.sampled_from(["CA-1001", "CA-0999", "X-1", ""])),
        order_date=draw(st.sampled_from(["", "2026-01-02"])),
        submission_key=draw(submission_keys),
    )
    if draw(st.booleans()):
        fields.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "name": hostile_text,
                        "order_number": hostile_text,
                        "items": ITEMS,
                        "comment": hostile_text,
                        "order_date": DATES,
                        "delivery_date": DATES,
                    },
                )
            )
        )
    else:
        names = st.sampled_from([*STATEMENT_FIELDS, "token", "x"])
        fields.update(draw(st.dictionaries(names, field_value, max_size=4)))
        for name in draw(st.lists(names, max_size=2)):
            fields.pop(name, None)
    return encoded(fields, as_multipart=draw(st.booleans()), headers=draw(hostile_headers()))


def page_text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@fuzz(max_examples=40)
@given(send=statements(), twice=st.booleans())
# int() refuses strings of more than 4300 digits: a quantity that long broke the form.
@example(send=encoded(statement_fields(items="9" * 5000 + " tazas")), twice=False)
@example(
    send=encoded(statement_fields(name="\u202eAna 😀 مرحبا", comment="x\u0301" * 900)), twice=True
)
@example(send=encoded(statement_fields(order_number="", order_date="0001-01-01")), twice=False)
def test_a_withdrawal_goes_all_the_way_or_is_explained(fuzz_shop, send, twice):
    content_type, body, headers = send
    base = fuzz_shop.returns.url
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(
            "POST", base + "withdraw/", body, content_type=content_type, **headers
        )
        no_server_error(response)
        if response.status_code == 400:
            assert stored(fuzz_shop) == before
            return
        assert response.status_code == 200, describe(response)
        confirm = BeautifulSoup(response.content, "html.parser").find("input", {"name": "token"})
        if confirm is None:
            helpers.form_errors_shown(response)
            assert stored(fuzz_shop) == before
            return
        # Nothing is stored before the one button is pressed.
        assert stored(fuzz_shop) == before
        headers.pop("HTTP_COOKIE", None)
        for _ in range(2 if twice else 1):
            done = client.post(base + "withdraw/confirm/", {"token": confirm["value"]}, **headers)
            no_server_error(done)
            assert done.status_code == 303, describe(done)
        after = stored(fuzz_shop)
        assert after["withdrawals"] == before["withdrawals"] + 1
        assert after["conversations"] == before["conversations"] + 1
        withdrawal = Withdrawal.objects.select_related("conversation").latest("pk")
        seen = helpers.parsed(base + "withdraw/", content_type, body, headers)
        assert withdrawal.name == seen.POST["name"].strip()
        assert withdrawal.conversation.messages.filter(kind=Message.Kind.SHOPPER).count() == 1
        receipt = client.get(done["Location"], **headers)
        assert receipt.status_code == 200, describe(receipt)
        assert withdrawal.conversation.reference in page_text(receipt)
        pdf = client.get(done["Location"] + "pdf/", **headers)
        no_server_error(pdf)
        assert pdf.status_code == 200, describe(pdf)
        assert pdf.content.startswith(b"%PDF-")


@fuzz(max_examples=30)
@given(
    token=st.one_of(tokens, hostile_text, st.just("")),
    extra=st.dictionaries(st.sampled_from(["token", "x", "name"]), field_value, max_size=2),
    headers=hostile_headers(),
)
def test_a_confirmation_the_shop_did_not_make_stores_nothing(fuzz_shop, token, extra, headers):
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        fields = {"token": token, **extra}
        response = client.generic(
            "POST",
            fuzz_shop.returns.url + "withdraw/confirm/",
            urlencoded(fields),
            content_type="application/x-www-form-urlencoded",
            **headers,
        )
        no_server_error(response)
        assert response.status_code == 400, describe(response)
        # The statement form again, saying nothing was sent and why.
        assert b'id="ck-withdraw-notice"' in response.content, describe(response)
        assert stored(fuzz_shop) == before


@fuzz(max_examples=50)
@given(
    token=st.one_of(tokens, st.just("good")),
    route=st.sampled_from(
        [
            "withdraw/receipt/{token}/",
            "withdraw/receipt/{token}/pdf/",
            "withdraw/",
            "withdraw/confirm/",
            "withdrawal-form/",
            "return-request/",
            "",
            "withdraw/receipt/",
        ]
    ),
    method=st.sampled_from(["GET", "GET", "HEAD", "PUT", "DELETE", "OPTIONS"]),
    query=query_strings,
    headers=hostile_headers(),
)
def test_the_returns_pages_answer_any_address_and_query(
    fuzz_shop, token, route, method, query, headers
):
    real = token == "good"
    path = fuzz_shop.returns.url + route.format(token=fuzz_shop.receipt_token if real else token)
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic(method, path, QUERY_STRING=query, **headers)
        no_server_error(response)
        assert stored(fuzz_shop) == before
        if "{token}" in route and not real and method != "OPTIONS":
            # (Wagtail answers OPTIONS to any page address with an empty 200.)
            assert response.status_code == 404, describe(response)


RETURN_FIELDS = [
    "name",
    "email",
    "order_number",
    "reason",
    "items",
    "message",
    "consent",
    "website",
    "started",
    "submission_key",
    "topic",
]


@st.composite
def return_requests(draw):
    fields = {
        "name": "Ana García",
        "email": "ana@example.com",
        "order_number": "CA-1001",
        "reason": "fault",
        "items": "1 × taza azul",
        "message": "Llegó rota.",
        "consent": "on",
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
        "submission_key": draw(submission_keys),
    }
    if draw(st.booleans()):
        free = st.sampled_from(["items", "message", "order_number", "name"])
        fields.update(draw(st.dictionaries(free, hostile_text, max_size=2)))
        files = draw(good_uploads)
    else:
        names = st.sampled_from(RETURN_FIELDS)
        fields.update(draw(st.dictionaries(names, field_value, max_size=4)))
        for name in draw(st.lists(names, max_size=2)):
            fields.pop(name, None)
        files = draw(uploads)
    if files or draw(st.booleans()):
        content_type, body = multipart(fields, files)
    else:
        content_type, body = "application/x-www-form-urlencoded", urlencoded(fields)
    return content_type, body, draw(hostile_headers())


@fuzz(max_examples=40)
@given(send=return_requests())
def test_a_return_request_is_stored_whole_or_explained(fuzz_shop, send):
    content_type, body, headers = send
    path = fuzz_shop.returns.url + "return-request/"
    with attempt(fuzz_shop) as client:
        before = stored(fuzz_shop)
        response = client.generic("POST", path, body, content_type=content_type, **headers)
        no_server_error(response)
        after = stored(fuzz_shop)
        if response.status_code == 302:
            seen = helpers.parsed(path, content_type, body, headers)
            conversation = Conversation.objects.latest("pk")
            assert after["conversations"] == before["conversations"] + 1
            message = conversation.messages.get(kind=Message.Kind.SHOPPER)
            assert seen.POST["items"].strip() in message.body
            kept = list(Attachment.objects.filter(message=message))
            for attachment in kept:
                assert attachment.file.storage.exists(attachment.file.name)
            assert len(after["files"] - before["files"]) == len(kept)
            if len(kept) != len(seen.FILES.getlist("attachments")):
                assert "files_not_kept" in conversation.spam_reason
            headers.pop("HTTP_COOKIE", None)
            sent = client.get(response["Location"], **headers)
            assert sent.status_code == 200, describe(sent)
            assert conversation.reference.encode() in sent.content
        elif response.status_code == 200:
            helpers.form_errors_shown(response)
            assert after == before
        else:
            assert response.status_code == 400, describe(response)
            assert after == before
