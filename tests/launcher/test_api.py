"""The launcher's JSON API as a shopper's browser and another storefront's widget use it.

Through the test client, with a real SMTP server on 127.0.0.1 for the emails; time frozen on a
Wednesday morning in Madrid, when the chat is within its hours.
"""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from contactkit.inbox import threads
from contactkit.inbox.models import Conversation, EmailDelivery, InboxSettings, Message, Status
from contactkit.launcher import chat
from contactkit.launcher.models import ChatPresence, LauncherSettings
from contactkit.pages.models import ContactPage
from tests.inbox.builders import note, staff_user
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.profile.builders import channel, profile_for

MADRID = dt.timezone(dt.timedelta(hours=1))
WEDNESDAY_MORNING = dt.datetime(2026, 3, 4, 11, 0, tzinfo=MADRID)
WEEKDAYS = [0, 1, 2, 3, 4]
STAFF = "ventas@ceramica.example"
HOSTILE = "<script>alert('x')</script> & <b>negrita</b>"
STOREFRONT = "https://tienda-alba.myshopify.com"
API = "/contactkit/api"


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(site):
    profile_for(site, trade_name="Cerámica Alba", time_zone="Europe/Madrid")
    channel(site, "phone", hours=[(WEEKDAYS, "09:00", "19:00")])
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    channel(site, "chat", chat_provider="contactkit", hours=[(WEEKDAYS, "09:00", "19:00")])
    inbox = InboxSettings.for_site(site)
    inbox.notify_emails = STAFF
    inbox.save()
    settings = LauncherSettings.for_site(site)
    settings.allowed_origins = f"{STOREFRONT}/\nhttps://otra.example"
    settings.save()
    site.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))
    return site


@pytest.fixture
def marta(db):
    return staff_user("view_conversation", "reply_conversation", username="marta")


@pytest.fixture
def staff_here(shop, marta):
    """Marta is available for chat, her admin tab beating."""
    return ChatPresence.objects.create(
        user=marta, site=shop, available=True, seen_at=timezone.now()
    )


def post(client, path, data, **headers):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(f"{API}{path}", body, content_type="application/json", headers=headers)


def new_chat(client, shop, **fields):
    data = {
        "site": shop.pk,
        "lang": "es",
        "name": "Ana García",
        "email": "ana@example.com",
        "message": "¿Tenéis la taza azul en grande?",
        "website": "",
        "source": "launcher",
        **fields,
    }
    return post(client, "/chats", data)


@pytest.fixture
def started(client, shop, staff_here, django_capture_on_commit_callbacks):
    """Ana's chat, started from the launcher while Marta is there: its token."""
    with django_capture_on_commit_callbacks(execute=True):
        response = new_chat(client, shop)
    assert response.status_code == 201, response.content
    return response.json()["token"]


def events(client, token, after=0, **headers):
    response = client.get(f"{API}/chats/{token}/events", {"after": after}, headers=headers)
    assert response.status_code == 200, response.content
    return response.json()


def say(client, token, body, **headers):
    return post(client, f"/chats/{token}/messages", {"body": body}, **headers)


# The launcher's state


def test_the_state_is_public_json_cacheable_for_a_few_seconds(client, shop, staff_here):
    response = client.get(f"{API}/launcher", {"site": shop.pk, "lang": "es"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "public" in response["Cache-Control"] and "max-age=15" in response["Cache-Control"]
    assert "Origin" in response["Vary"]
    state = response.json()
    assert state["chat"]["available"] is True
    assert state["language"] == "es"
    assert state["texts"]["send"] == "Enviar"


def test_an_unknown_site_is_a_404_with_a_sentence(client, shop):
    response = client.get(f"{API}/launcher", {"site": 999, "lang": "en"})

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no such shop here."}


# Starting a chat


def test_a_chat_is_stored_first_and_the_shopper_gets_the_link_by_email(
    client, shop, staff_here, smtp_mailer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = new_chat(client, shop)

    assert response.status_code == 201
    data = response.json()
    conversation = Conversation.objects.get()
    assert (conversation.source, conversation.status, conversation.language) == (
        "chat",
        Status.NEW,
        "es",
    )
    assert conversation.extra_fields == {}
    [first] = conversation.messages.all()
    assert (first.kind, first.via, first.body) == (
        "shopper",
        "chat",
        data["chat"]["messages"][0]["body"],
    )
    assert data["reference"] == conversation.reference
    assert threads.check_token(data["token"]) == (conversation, None)
    assert data["thread_url"].startswith("http://testserver/contacto/conversation/")
    assert data["chat"]["staff_present"] is True
    assert data["chat"]["messages"][0]["mine"] is True
    assert data["chat"]["messages"][0]["who"] == "Tú"
    # The confirmation carries the link to the conversation page, to carry on later.
    [confirmation] = smtp_mailer.to("ana@example.com")
    body = confirmation.get_body(("plain",)).get_content()
    assert "/contacto/conversation/" in body
    assert smtp_mailer.to(STAFF)
    assert chat.shopper_in_chat(conversation)


def test_no_chat_starts_while_nobody_is_there_and_the_shopper_is_told_what_to_do(client, shop):
    response = new_chat(client, shop, lang="en")

    assert response.status_code == 409
    data = response.json()
    assert data["detail"].startswith("Nobody is in the chat right now.")
    assert data["contact_url"] == "http://testserver/contacto/"
    assert not Conversation.objects.exists()


def test_a_robot_filling_the_trap_is_stored_as_spam_and_told_nothing(
    client, shop, staff_here, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = new_chat(client, shop, website="https://spam.example")

    assert response.status_code == 201
    assert Conversation.objects.get().status == Status.SPAM
    assert not EmailDelivery.objects.exists()


# Following a chat


def test_lines_appear_both_ways_and_notes_never_do(client, shop, started, marta):
    conversation = threads.check_token(started)[0]
    first = events(client, started)["messages"][-1]["id"]

    response = say(client, started, "Mejor la de 12 cm")
    assert response.status_code == 201
    assert response.json()["held"] is False
    note(conversation, "Cliente habitual, ofrecer envío gratis", author=marta)
    chat.chat_reply(conversation, "¡Sí, nos quedan dos!", user=marta)

    found = events(client, started, after=first)
    assert [(line["who"], line["body"], line["mine"]) for line in found["messages"]] == [
        ("Tú", "Mejor la de 12 cm", True),
        ("Marta", "¡Sí, nos quedan dos!", False),
    ]
    everything = json.dumps(events(client, started))
    assert "envío gratis" not in everything
    # Nothing new after the last line.
    assert events(client, started, after=found["messages"][-1]["id"])["messages"] == []


def test_one_shoppers_token_never_shows_another_shoppers_chat(
    client, shop, started, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        other = new_chat(client, shop, name="Luis", email="luis@example.com", message="Hola")
    luis = other.json()["token"]
    say(client, started, "Mi dirección es Calle Mayor 1")

    assert "Calle Mayor" not in json.dumps(events(client, luis))
    assert "Tenéis la taza" not in json.dumps(events(client, luis))
    # Ana's conversation token with Luis's signature opens nothing.
    ana = threads.check_token(started)[0]
    forged = ana.reply_token + luis[luis.index("-") :]
    # A token that names no chat says so in the browser's language.
    response = client.get(f"{API}/chats/{forged}/events", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Este chat no existe o su enlace ya no funciona."
    assert say(client, forged, "hola").status_code == 404


def test_a_token_works_only_for_its_own_site(client, shop, started):
    from wagtail.models import Site

    other = Site.objects.create(hostname="otra.example", root_page=shop.root_page)

    response = client.get(f"{API}/chats/{started}/events", {"site": other.pk})

    assert response.status_code == 404
    assert client.get(f"{API}/chats/{started}/events", {"site": shop.pk}).status_code == 200


def test_an_expired_link_says_so(client, shop, started, wednesday_morning):
    wednesday_morning.shift(dt.timedelta(days=91))

    response = client.get(f"{API}/chats/{started}/events", {"lang": "en"})

    assert response.status_code == 410
    assert "expired" in response.json()["detail"]


def test_typing_is_seen_by_the_other_side(client, shop, started, marta):
    conversation = threads.check_token(started)[0]

    response = post(client, f"/chats/{started}/typing", "")

    assert response.status_code == 204
    assert chat.is_typing(conversation, chat.SHOPPER)
    assert events(client, started)["staff_typing"] is False
    chat.set_typing(conversation, chat.STAFF)
    assert events(client, started)["staff_typing"] is True


def test_staff_going_away_is_seen_and_the_chat_carries_on_by_email(
    client, shop, started, smtp_mailer, wednesday_morning, django_capture_on_commit_callbacks
):
    assert events(client, started)["staff_present"] is True

    # Marta's tab closed: her heartbeat stops, presence expires on its own.
    wednesday_morning.shift(dt.timedelta(seconds=46))
    assert events(client, started)["staff_present"] is False

    # A chat already started carries on: the line is stored and staff are emailed about it.
    with django_capture_on_commit_callbacks(execute=True):
        response = say(client, started, "¿Sigue alguien ahí?")
    assert response.status_code == 201
    assert Message.objects.filter(body="¿Sigue alguien ahí?", via="chat").exists()
    follow_ups = [email for email in smtp_mailer.to(STAFF) if "follow-up." in email["Message-ID"]]
    assert len(follow_ups) == 1


def test_while_staff_are_there_lines_are_read_live_not_emailed(
    client, shop, started, smtp_mailer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        say(client, started, "Otra pregunta")

    assert not EmailDelivery.objects.filter(kind=EmailDelivery.Kind.FOLLOW_UP).exists()


def test_a_chat_survives_a_restart_with_only_its_token(client, shop, started):
    from django.test import Client

    # A new process, a new browser session: all the panel kept is the token. No cookie, no
    # CSRF token: the chat's token in the address is all it takes.
    fresh = Client(enforce_csrf_checks=True)
    assert say(fresh, started, "Vuelvo a estar aquí").status_code == 201
    bodies = [line["body"] for line in events(fresh, started)["messages"]]
    assert bodies == ["¿Tenéis la taza azul en grande?", "Vuelvo a estar aquí"]
    assert not fresh.cookies


def test_asking_for_news_costs_three_queries(client, shop, started, django_assert_num_queries):
    events(client, started)  # the conversation page's address is made once, then kept

    # The token's conversation, its new messages, staff presence.
    with django_assert_num_queries(3):
        events(client, started, after=10**6)


def test_what_shoppers_type_comes_back_as_plain_json_strings(client, shop, started):
    response = say(client, started, HOSTILE)

    assert response["Content-Type"].startswith("application/json")
    assert response.json()["body"] == HOSTILE
    found = client.get(f"{API}/chats/{started}/events")
    assert found["Content-Type"].startswith("application/json")
    assert found.json()["messages"][-1]["body"] == HOSTILE


# Limits


def test_too_many_calls_from_one_address_get_429_with_retry_after(client, shop, settings):
    settings.CONTACTKIT_API_RATE_LIMIT_IP = (3, 60)
    for _ in range(3):
        assert client.get(f"{API}/launcher", {"site": shop.pk}).status_code == 200

    response = client.get(f"{API}/launcher", {"site": shop.pk, "lang": "es"})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["detail"] == (
        "Son muchos mensajes seguidos. Espera un momento y vuelve a intentarlo."
    )


def test_too_many_calls_from_one_storefront_get_429(client, shop, settings):
    settings.CONTACTKIT_API_RATE_LIMIT_ORIGIN = (2, 60)
    for _ in range(2):
        response = client.get(f"{API}/launcher", {"site": shop.pk}, headers={"Origin": STOREFRONT})
        assert response.status_code == 200

    response = client.get(f"{API}/launcher", {"site": shop.pk}, headers={"Origin": STOREFRONT})

    assert response.status_code == 429
    # The widget can read why.
    assert response["Access-Control-Allow-Origin"] == STOREFRONT
    # The shop's own pages are not that storefront.
    assert client.get(f"{API}/launcher", {"site": shop.pk}).status_code == 200


def test_lines_over_the_chat_limit_are_kept_and_held_not_lost(
    client,
    shop,
    started,
    settings,
    wednesday_morning,
    smtp_mailer,
    django_capture_on_commit_callbacks,
):
    settings.CONTACTKIT_CHAT_RATE_LIMIT = (2, 60)
    wednesday_morning.shift(dt.timedelta(seconds=46))  # nobody there: lines are emailed
    with django_capture_on_commit_callbacks(execute=True):
        answers = [say(client, started, f"Línea {number}") for number in range(1, 5)]

    assert [answer.status_code for answer in answers] == [201, 201, 201, 201]
    assert [answer.json()["held"] for answer in answers] == [False, False, True, True]
    conversation = threads.check_token(started)[0]
    assert conversation.messages.filter(kind="shopper", body__startswith="Línea").count() == 4
    assert conversation.messages.filter(kind="note", body__contains="held back").count() == 2
    follow_ups = [email for email in smtp_mailer.to(STAFF) if "follow-up." in email["Message-ID"]]
    assert len(follow_ups) == 2


# Bad input


def test_bad_json_is_a_400_with_a_sentence(client, shop, started):
    for body in ("{nope", "[1, 2]", "null", b"\xff\xfe{"):
        response = post(client, f"/chats/{started}/messages", body)
        assert response.status_code == 400, body
        assert "JSON" in response.json()["detail"]


def test_a_huge_body_is_a_413(client, shop, started):
    response = say(client, started, "a" * 70_000)

    assert response.status_code == 413
    assert response.json()["detail"] == (
        "Es demasiado largo para enviarlo. Divídelo en mensajes más cortos."
    )
    assert not Message.objects.filter(body__startswith="aaaa").exists()


def test_a_wrong_field_is_a_422_naming_it_in_the_shoppers_language(client, shop, staff_here):
    response = new_chat(client, shop, email="ana@@example", lang="es")

    assert response.status_code == 422
    data = response.json()
    assert data["field"] == "email"
    assert data["detail"] == "Introduce una dirección de correo electrónico válida."
    assert not Conversation.objects.exists()

    response = new_chat(client, shop, lang="en", name="Ana\nBcc: x@example.com")
    assert (response.status_code, response.json()["field"]) == (422, "name")
    assert response.json()["detail"] == "Write this on one line."
    response = new_chat(client, shop, lang="en", message="x" * 5001)
    assert (response.status_code, response.json()["field"]) == (422, "message")
    assert response.json()["detail"] == "“Your message” can be at most 5000 characters long."
    response = new_chat(client, shop, lang="en", message="   ")
    assert response.json()["detail"] == "Write your message first."
    response = client.get(f"{API}/launcher", {"site": "tienda"})
    assert (response.status_code, response.json()["field"]) == (422, "site")


def test_odd_calls_never_get_a_500(client, shop, started):
    odd = [
        client.get(f"{API}/chats/{started}/events", {"after": -1}),
        client.get(f"{API}/chats/{started}/events", {"after": "x" * 40}),
        client.get(f"{API}/chats/{'z' * 300}/events"),
        client.get(f"{API}/chats/-/events"),
        client.get(f"{API}/launcher"),
        client.get(f"{API}/launcher", {"site": 10**30}),
        client.put(f"{API}/chats", "{}", content_type="application/json"),
        post(client, "/chats", {"site": shop.pk}),
        post(client, "/chats", {"site": "x" * 1000, "name": 1, "email": [], "message": {}}),
        post(client, f"/chats/{started}/messages", {"body": None}),
    ]
    for response in odd:
        assert 400 <= response.status_code < 500, response.content
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]


# Other storefronts


def test_a_storefront_not_listed_is_refused(client, shop, started):
    evil = {"Origin": "https://evil.example"}

    response = client.get(f"{API}/launcher", {"site": shop.pk, "lang": "en"}, headers=evil)

    assert response.status_code == 403
    assert "https://evil.example" in response.json()["detail"]
    assert "Access-Control-Allow-Origin" not in response
    assert client.get(f"{API}/chats/{started}/events", headers=evil).status_code == 403
    assert say(client, started, "hola", **evil).status_code == 403
    assert client.options(f"{API}/chats", headers=evil).status_code == 403


def test_a_storefront_listed_by_one_site_cannot_chat_with_another(client, shop, staff_here):
    from wagtail.models import Site

    other = Site.objects.create(hostname="otra.example", root_page=shop.root_page)
    ChatPresence.objects.create(user=staff_here.user, site=other, available=True)

    response = new_chat(client, other, lang="en", **{"site": other.pk})
    assert response.status_code == 409  # the other site has no chat channel: the right site
    forged = post(
        client,
        f"/chats?site={shop.pk}",
        {"site": other.pk, "name": "Ana", "email": "ana@example.com", "message": "Hola"},
        Origin=STOREFRONT,
    )
    assert forged.status_code == 403
    assert not Conversation.objects.exists()


def test_a_listed_storefront_gets_cors_and_its_chat_is_marked(
    client, shop, staff_here, django_capture_on_commit_callbacks
):
    origin = {"Origin": STOREFRONT}
    preflight = client.options(
        f"{API}/chats",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == STOREFRONT
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight

    with django_capture_on_commit_callbacks(execute=True):
        started = post(
            client,
            "/chats",
            {
                "site": shop.pk,
                "name": "Ana",
                "email": "ana@example.com",
                "message": "Hola desde la tienda de Shopify",
                "source": "widget",
            },
            **origin,
        )
    assert started.status_code == 201
    assert started["Access-Control-Allow-Origin"] == STOREFRONT
    conversation = Conversation.objects.get()
    assert conversation.source == "chat"
    assert conversation.extra_fields == {"Storefront": STOREFRONT}
    token = started.json()["token"]
    assert events(client, token, **origin)["messages"][0]["body"] == (
        "Hola desde la tienda de Shopify"
    )
    answer = say(client, token, "¿Me oís?", **origin)
    assert answer["Access-Control-Allow-Origin"] == STOREFRONT
    # The shop's own pages need no CORS at all.
    own = client.get(f"{API}/launcher", {"site": shop.pk}, headers={"Origin": "http://testserver"})
    assert own.status_code == 200
    assert "Access-Control-Allow-Origin" not in own


def test_the_openapi_description_lists_the_endpoints(client, shop):
    response = client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/contactkit/api/launcher",
        "/contactkit/api/chats",
        "/contactkit/api/chats/{token}/events",
        "/contactkit/api/chats/{token}/messages",
        "/contactkit/api/chats/{token}/typing",
    } <= set(paths)
    chats = paths["/contactkit/api/chats"]["post"]
    assert {"201", "409", "422", "429"} <= set(chats["responses"])
    assert client.get(f"{API}/docs").status_code == 200


def test_without_a_chat_limit_every_line_goes_through(settings, site):
    from contactkit.launcher import chat

    settings.CONTACTKIT_CHAT_RATE_LIMIT = None
    conversation = chat.start_chat(site, name="Ana", email="ana@example.com", message="Hola")
    for number in range(3):
        chat.add_chat_message(conversation, f"Línea {number}")
    assert not conversation.messages.filter(kind="note").exists()
    assert conversation.messages.filter(kind="shopper").count() == 4


def test_a_line_sent_again_with_its_key_is_stored_once(client, site):
    from contactkit.inbox import threads
    from contactkit.launcher import chat

    conversation = chat.start_chat(site, name="Ana", email="ana@example.com", message="Hola")
    url = f"/contactkit/api/chats/{threads.thread_token(conversation)}/messages"
    line = {"body": "¿Y en verde?", "key": "k1a2b3"}
    first = client.post(url, line, content_type="application/json")
    again = client.post(url, line, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert conversation.messages.filter(body="¿Y en verde?").count() == 1
    # Another key is another line, even with the same words.
    client.post(url, {**line, "key": "k9"}, content_type="application/json")
    assert conversation.messages.filter(body="¿Y en verde?").count() == 2
    bad = client.post(url, {**line, "key": "<x>"}, content_type="application/json")
    assert bad.status_code == 422
