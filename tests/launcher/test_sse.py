"""The live chat pushed as Server-Sent Events (django-eventstream), read as a browser's
EventSource reads it: real HTTP against the live server (a WSGI server in a thread of this
process), lines read with a timeout.

A shopper's stream needs their chat's thread token and carries only their chat; staff's needs
the permission to reply. What is pushed has the events endpoints' shape. Events are stored:
a stream opened again with Last-Event-ID (after a restart too) gets what it missed.
"""

import datetime as dt
import json
import queue
import re
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
import time_machine
from django.urls import reverse

from contactkit.conf import contactkit_settings
from contactkit.inbox import actions, threads
from contactkit.launcher import chat, sse
from contactkit.launcher.models import LauncherSettings
from tests.inbox.builders import staff_user
from tests.profile.builders import profile_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRET = "Nota interna: cliente difícil"


@pytest.fixture(autouse=True)
def quick_streams(monkeypatch):
    """Streams say they are alive every second, so one a test closed ends at once on the
    server too (the live server waits for its threads when it stops)."""
    monkeypatch.setattr(sse, "KEEP_ALIVE_SECONDS", 1)


@pytest.fixture
def shop(site):
    profile_for(site, trade_name="Cerámica Alba")
    return site


@pytest.fixture
def marta(shop):
    return staff_user("view_conversation", "reply_conversation", username="marta")


def a_chat(site, name="Ana García", email="ana@example.com", message="Hola, ¿tenéis la taza?"):
    return chat.start_chat(site, name=name, email=email, message=message, language="es")


class Stream:
    """An open event stream, read line by line in a thread, as EventSource does."""

    def __init__(self, url, headers=None):
        headers = {"Accept": "text/event-stream", **(headers or {})}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the live server)
        self.response = urllib.request.urlopen(request, timeout=10)  # noqa: S310
        self.raw = []
        self.events = queue.Queue()
        self.ended = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        event = {}
        try:
            for raw in self.response:
                line = raw.decode()
                self.raw.append(line)
                line = line.rstrip("\r\n")
                if not line:
                    if event:
                        self.events.put(event)
                    event = {}
                    continue
                if line.startswith(":"):
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data" and field in event:
                    value = event[field] + "\n" + value
                event[field] = value
        except Exception:  # noqa: BLE001, S110 (closed by the test while reading: it is over)
            pass
        finally:
            self.ended.set()

    def next(self, kind="message", timeout=2.0):
        """The next event of type ``kind`` within ``timeout`` seconds (else None)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if event.get("event", "message") == kind:
                if kind == "message":
                    event["json"] = json.loads(event["data"])
                return event
        return None

    def close(self):
        try:
            self.response.fp.raw._sock.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):
            pass
        self.response.close()


@pytest.fixture
def open_stream(live_server):
    opened = []

    def open_(path, headers=None, wait_open=True):
        stream = Stream(live_server.url + path, headers)
        opened.append(stream)
        if wait_open:
            assert stream.next("stream-open") is not None
        return stream

    yield open_
    for stream in opened:
        stream.close()
    # The server's side of each stream notices at its next keep-alive: wait for it, so that
    # no stream outlives the test (and its database).
    from django_eventstream.views import get_listener_manager

    deadline = time.monotonic() + 5
    while get_listener_manager().listeners_by_channel and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)


def shopper_path(conversation=None, token=None):
    token = token or threads.thread_token(conversation)
    return reverse("contactkit_chat_stream", args=[token])


def refused(live_server, path, headers=None):
    """The status a stream request gets, when it is refused (None if it streams)."""
    request = urllib.request.Request(live_server.url + path, headers=headers or {})  # noqa: S310
    try:
        response = urllib.request.urlopen(request, timeout=5)  # noqa: S310
    except urllib.error.HTTPError as error:
        body = json.loads(error.read())
        assert body["detail"]
        return error.code
    response.close()
    return None


def test_the_shoppers_panel_gets_staffs_reply_within_2_seconds(shop, marta, open_stream):
    conversation = a_chat(shop)
    stream = open_stream(shopper_path(conversation))
    assert stream.response.headers["Content-Type"] == "text/event-stream"
    assert stream.response.headers["Cache-Control"] == "no-cache"

    started = time.monotonic()
    reply = chat.chat_reply(conversation, "¡Hola Ana! Sí, nos quedan tres.", user=marta)
    event = stream.next()

    assert event is not None, "no reply pushed within 2 s"
    assert time.monotonic() - started < 2
    news = event["json"]
    # The shape of GET /contactkit/api/chats/<token>/events, from the shopper's side.
    assert news["messages"] == [
        {
            "id": reply.pk,
            "mine": False,
            "who": "Marta",
            "body": "¡Hola Ana! Sí, nos quedan tres.",
            "at": reply.created_at.isoformat(),
        }
    ]
    assert news["status"] == "open"
    assert set(news) == {"messages", "staff_present", "staff_typing", "status"}
    # The shopper counts as in the chat while the stream is open: no email for that answer.
    assert not reply.deliveries.exists()


def test_the_shoppers_own_lines_and_the_words_are_in_their_language(shop, open_stream):
    conversation = a_chat(shop)
    stream = open_stream(shopper_path(conversation))

    line = chat.add_chat_message(conversation, "¿Y en azul?")

    news = stream.next()["json"]
    assert news["messages"][0]["id"] == line.pk
    assert news["messages"][0]["mine"] is True
    assert news["messages"][0]["who"] == "Tú"  # the chat is in Spanish


def test_notes_are_never_pushed(shop, marta, open_stream):
    conversation = a_chat(shop)
    shopper = open_stream(shopper_path(conversation))
    staff_stream = open_staff_stream(open_stream, conversation, marta)

    actions.add_note(conversation, SECRET, user=marta)
    chat.chat_reply(conversation, "Te lo miro.", user=marta)

    assert shopper.next()["json"]["messages"][0]["body"] == "Te lo miro."
    assert staff_stream.next()["json"]["messages"][0]["body"] == "Te lo miro."
    time.sleep(0.3)
    assert SECRET not in "".join(shopper.raw + staff_stream.raw)


def test_one_shoppers_stream_never_gets_another_shoppers_chat(shop, marta, open_stream):
    ana = a_chat(shop)
    luis = a_chat(shop, name="Luis", email="luis@example.com", message="Hola")
    ana_stream = open_stream(shopper_path(ana))
    # Luis tries to follow Ana's chat too: by naming her channel, and her last event.
    luis_stream = open_stream(
        shopper_path(luis) + f"?channel={sse.shopper_channel(ana)}",
        headers={"Last-Event-ID": f"{sse.shopper_channel(ana)}:0"},
    )

    chat.chat_reply(ana, "Ana, tu pedido sale hoy.", user=marta)
    chat.add_chat_message(ana, "¡Gracias!")
    chat.set_typing(ana, chat.STAFF)

    assert ana_stream.next()["json"]["messages"][0]["body"] == "Ana, tu pedido sale hoy."
    assert luis_stream.next(timeout=1.5) is None
    assert "Ana" not in "".join(luis_stream.raw)
    assert sse.shopper_channel(ana) not in "".join(luis_stream.raw)

    chat.chat_reply(luis, "Hola Luis.", user=marta)
    assert luis_stream.next()["json"]["messages"][0]["body"] == "Hola Luis."


def test_a_wrong_expired_or_tampered_token_gets_no_stream(shop, live_server):
    conversation = a_chat(shop)
    good = threads.thread_token(conversation)
    reply_token, timestamp, signature = good.split("-", 2)
    with time_machine.travel(
        dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=contactkit_settings.THREAD_LINK_DAYS + 1)
    ):
        old = threads.thread_token(conversation)

    assert refused(live_server, shopper_path(token="nonsense")) == 404
    tampered = f"{reply_token}-{timestamp}-x{signature}"
    assert refused(live_server, shopper_path(token=tampered)) == 404
    # Another conversation's reply token with this one's signature.
    other = a_chat(shop, email="otra@example.com")
    borrowed = f"{other.reply_token}-{timestamp}-{signature}"
    assert refused(live_server, shopper_path(token=borrowed)) == 404
    assert refused(live_server, shopper_path(token=old)) == 410
    # A revoked link stops working for streams too.
    actions.revoke_thread_links(conversation, user=staff_user("reply_conversation"))
    assert refused(live_server, shopper_path(token=good)) == 404


def test_storefronts_the_site_does_not_list_are_refused(shop, open_stream, live_server):
    conversation = a_chat(shop)
    path = shopper_path(conversation)
    assert refused(live_server, path, {"Origin": "https://evil.example"}) == 403

    settings_ = LauncherSettings.for_site(shop)
    settings_.allowed_origins = "https://tienda.example"
    settings_.save()
    stream = open_stream(path, headers={"Origin": "https://tienda.example"})
    assert stream.response.headers["Access-Control-Allow-Origin"] == "https://tienda.example"
    assert "Access-Control-Allow-Credentials" not in stream.response.headers


def test_typing_and_presence_reach_the_shopper(shop, marta, client, open_stream):
    conversation = a_chat(shop)
    stream = open_stream(shopper_path(conversation))

    chat.set_typing(conversation, chat.STAFF)
    news = stream.next()["json"]
    assert news["staff_typing"] is True
    assert news["messages"] == []

    client.force_login(marta)
    presence = reverse("contactkit_chat:presence")
    client.post(presence, {"available": True}, content_type="application/json")
    assert stream.next()["json"]["staff_present"] is True

    client.post(presence, {"available": False}, content_type="application/json")
    assert stream.next()["json"]["staff_present"] is False


def open_staff_stream(open_stream, conversation, user, client=None):
    from django.test import Client

    client = client or Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return open_stream(
        reverse("contactkit_staff_chat_stream", args=[conversation.pk]), {"Cookie": cookie}
    )


def test_staff_see_the_shoppers_lines_and_typing(shop, marta, open_stream):
    conversation = a_chat(shop)
    stream = open_staff_stream(open_stream, conversation, marta)

    chat.set_typing(conversation, chat.SHOPPER)
    assert stream.next()["json"]["shopper_typing"] is True

    line = chat.add_chat_message(conversation, "<b>¿Envío a Canarias?</b>")
    news = stream.next()["json"]
    assert news["messages"] == [
        {
            "id": line.pk,
            "mine": False,
            "who": "Ana García",
            "body": "<b>¿Envío a Canarias?</b>",
            "at": line.created_at.isoformat(),
        }
    ]
    assert set(news) == {"messages", "shopper_present", "shopper_typing", "status"}


def test_staff_streams_need_the_permission_to_reply(shop, live_server, open_stream):
    from django.test import Client

    conversation = a_chat(shop)
    path = reverse("contactkit_staff_chat_stream", args=[conversation.pk])
    assert refused(live_server, path) == 403

    reader = Client()
    reader.force_login(staff_user("view_conversation", username="lector"))
    cookie = {"Cookie": f"sessionid={reader.cookies['sessionid'].value}"}
    assert refused(live_server, path, cookie) == 403

    # Nor a shopper's token on the staff side, nor the other way round.
    assert refused(live_server, shopper_path(token=str(conversation.pk))) == 404


def test_a_stream_opened_again_gets_what_it_missed_from_storage(shop, marta, open_stream):
    conversation = a_chat(shop)
    stream = open_stream(shopper_path(conversation))
    first = chat.chat_reply(conversation, "Primera respuesta.", user=marta)
    event = stream.next()
    assert event["json"]["messages"][0]["id"] == first.pk
    last_id = event["id"]
    assert re.fullmatch(rf"{sse.shopper_channel(conversation)}:\d+", last_id)
    stream.close()

    # The panel is away (its process restarted): staff answer meanwhile.
    missed = chat.chat_reply(conversation, "Segunda, mientras no estabas.", user=marta)
    chat.chat_reply(conversation, "Y tercera.", user=marta)

    # EventSource reconnects with the last id it had; this process remembers nothing of it.
    again = open_stream(shopper_path(conversation), {"Last-Event-ID": last_id})
    bodies = [again.next()["json"]["messages"][0] for _ in range(2)]
    assert [line["body"] for line in bodies] == ["Segunda, mientras no estabas.", "Y tercera."]
    assert bodies[0]["id"] == missed.pk
    assert first.pk not in [line["id"] for line in bodies]


def test_a_stream_ends_now_and_then_and_resumes(shop, marta, open_stream, monkeypatch):
    """Under WSGI a stream lasts STREAM_SECONDS, then the browser reconnects (after the
    ``retry`` it was told) with Last-Event-ID: the thread is freed, nothing is lost."""
    monkeypatch.setattr(sse, "STREAM_SECONDS", 0.5)
    conversation = a_chat(shop)
    stream = open_stream(shopper_path(conversation))
    assert f"retry: {sse.RETRY_MS}\n" in stream.raw
    assert stream.ended.wait(3), "the stream did not end"


def test_without_django_eventstream_configured_the_panels_poll(shop, live_server, settings):
    del settings.EVENTSTREAM_STORAGE_CLASS
    conversation = a_chat(shop)
    assert not sse.enabled()
    assert refused(live_server, shopper_path(conversation)) == 404
    # Publishing does nothing; the chat works as before.
    chat.add_chat_message(conversation, "Sigo aquí")


def test_under_asgi_django_eventstreams_own_stream_pushes_too(shop, marta):
    """Behind uvicorn (ASGI) the stream is django-eventstream's own, in the event loop."""
    import asyncio

    from asgiref.sync import async_to_sync, sync_to_async
    from django.test import AsyncClient

    conversation = a_chat(shop)
    path = shopper_path(conversation)

    async def scenario():
        response = await AsyncClient().get(path)
        assert response["Content-Type"] == "text/event-stream"
        chunks = aiter(response.streaming_content)
        assert b"stream-open" in await asyncio.wait_for(anext(chunks), 2)
        # Waiting for news (django-eventstream 5.3 drops an event that comes between its
        # first read and its wait, for a stream opened without Last-Event-ID: the panels'
        # catch-up poll on "stream-open" covers that).
        waiting = asyncio.ensure_future(anext(chunks))
        await asyncio.sleep(0.3)
        await sync_to_async(chat.chat_reply)(conversation, "Hola desde ASGI", user=marta)
        pushed = await asyncio.wait_for(waiting, 2)
        while b"Hola desde ASGI" not in pushed:
            pushed += await asyncio.wait_for(anext(chunks), 2)
        assert b"event: message" in pushed
        await chunks.aclose()

    async_to_sync(scenario)()


def test_an_event_of_another_process_arrives_within_2_seconds(
    shop, marta, open_stream, monkeypatch
):
    """Another web process stores the event and notes it in the shared cache; this process's
    listeners never hear of it directly (no Redis): the stream still delivers it."""
    from django_eventstream.views import get_listener_manager

    conversation = a_chat(shop)
    stream = open_stream(shopper_path(conversation))
    monkeypatch.setattr(get_listener_manager(), "add_to_queues", lambda channel, event: None)

    chat.chat_reply(conversation, "Desde otro proceso.", user=marta)

    event = stream.next(timeout=2)
    assert event is not None
    assert event["json"]["messages"][0]["body"] == "Desde otro proceso."


def test_staff_presence_lapsing_on_its_own_is_told(shop, marta, open_stream):
    """Marta's admin tab closed without a word: her presence lapses, nothing is published,
    yet the shopper's stream says so within seconds."""
    from django.utils import timezone

    from contactkit.launcher.models import ChatPresence

    ChatPresence.objects.create(user=marta, site=shop, available=True, seen_at=timezone.now())
    conversation = a_chat(shop)
    stream = open_stream(shopper_path(conversation))

    ChatPresence.objects.filter(user=marta).update(seen_at=timezone.now() - dt.timedelta(hours=1))

    event = stream.next(timeout=3)
    assert event is not None
    assert event["json"]["staff_present"] is False
    assert "id" not in event  # not stored: a later poll says it afresh


def test_erasing_a_shoppers_data_erases_their_pushed_chat_lines(shop, marta):
    from django_eventstream.models import Event

    from contactkit.inbox import privacy

    conversation = a_chat(shop)
    chat.chat_reply(conversation, "Sí, la tenemos en verde.", user=marta)
    other = a_chat(shop, name="Luis", email="luis@example.com")
    chat.chat_reply(other, "Hola Luis.", user=marta)
    channels = {f"chat-{conversation.reply_token}", f"staff-{conversation.reply_token}"}
    assert Event.objects.filter(channel__in=channels).exists()

    privacy.erase_for_email("ana@example.com")

    assert not Event.objects.filter(channel__in=channels).exists()
    # Someone else's chat keeps its lines.
    assert Event.objects.filter(channel=f"chat-{other.reply_token}").exists()
