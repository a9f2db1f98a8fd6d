"""Live chat, staff's side in the Wagtail admin: being available (and how presence lapses),
hearing of new chats, reading a chat as it is written and answering in it.

Through the test client, with a real SMTP server on 127.0.0.1 for the emails a chat answer gets
when the shopper has left the chat.
"""

import datetime as dt
import itertools
import json
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, Site

from contactkit.conf import contactkit_settings
from contactkit.inbox import actions
from contactkit.inbox.models import Conversation, InboxSettings, Message, Source, Status
from contactkit.launcher import chat, staff
from contactkit.launcher.models import ChatPresence
from contactkit.pages.models import ContactPage
from tests.inbox.builders import conversation, staff_user, use_private_storage
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.profile.builders import channel, profile_for

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
HOSTILE = "<script>alert('x')</script> & <b>negrita</b>"
_shoppers = itertools.count(1)
THREAD_LINK = re.compile(r"https?://\S+/conversation/\S+/")


def chat_url(name, *args):
    return reverse(f"contactkit_chat:{name}", args=args)


@pytest.fixture
def shop(site, settings, tmp_path, monkeypatch):
    """A shop with a live contact page (so emails carry the conversation page's link)."""
    use_private_storage(settings, tmp_path, monkeypatch)
    profile_for(site, trade_name="Cerámica Alba", time_zone="Europe/Madrid")
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    inbox = InboxSettings.for_site(site)
    inbox.notify_emails = "ventas@ceramica.example"
    inbox.save()
    site.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))
    return site


@pytest.fixture
def marta(db):
    return staff_user("view_conversation", "reply_conversation", username="marta")


@pytest.fixture
def marta_client(client, marta):
    client.force_login(marta)
    return client


def a_chat(site, message="Hola, ¿tenéis la taza verde?", name="Ana García", email=None):
    """A chat as the launcher starts it (the shopper's panel is open)."""
    email = email or f"{next(_shoppers)}@example.com"
    return chat.start_chat(site, name=name, email=email, message=message)


def heartbeat(client, **data):
    return client.post(chat_url("presence"), json.dumps(data), content_type="application/json")


def shoppers_view(conversation):
    """What the shopper's panel is told (it asks as the public API does)."""
    conversation.refresh_from_db()
    return chat.events(conversation, 0, for_staff=False, shop_name="Cerámica Alba")


# Being available


def test_a_heartbeat_makes_staff_available_and_the_next_one_keeps_it_fresh(marta_client, site):
    with time_machine.travel(NOON, tick=False) as clock:
        response = heartbeat(marta_client, available=True)
        assert response.status_code == 200
        assert response.json() == {
            "available": True,
            "others": 0,
            "others_text": "Nobody else is available for chat.",
        }
        [presence] = ChatPresence.objects.all()
        assert presence.available and presence.seen_at == NOON
        assert chat.staff_available(site)

        clock.shift(30)
        assert heartbeat(marta_client, heartbeat=True).json()["available"] is True
        presence.refresh_from_db()
        assert presence.seen_at == NOON + dt.timedelta(seconds=30)
        assert ChatPresence.objects.count() == 1


def test_presence_lapses_when_the_heartbeats_stop(marta_client, site):
    with time_machine.travel(NOON, tick=False) as clock:
        heartbeat(marta_client, available=True)
        started = a_chat(site)
        assert shoppers_view(started)["staff_present"] is True

        # The admin tab closed or its person went idle: no more heartbeats.
        clock.shift(contactkit_settings.CHAT_PRESENCE_SECONDS - 1)
        assert shoppers_view(started)["staff_present"] is True
        clock.shift(2)
        assert shoppers_view(started)["staff_present"] is False
        # The choice stays for when they come back to the admin.
        assert marta_client.get(chat_url("presence")).json()["available"] is True


def test_a_heartbeat_never_turns_back_on_a_switch_turned_off_in_another_tab(marta_client, site):
    heartbeat(marta_client, available=True)
    heartbeat(marta_client, available=False)  # in another tab

    state = heartbeat(marta_client, heartbeat=True).json()

    assert state["available"] is False  # this tab's switch follows
    assert not chat.staff_available(site)


def test_turning_the_switch_off_ends_presence_at_once(marta_client, site):
    heartbeat(marta_client, available=True)
    response = marta_client.post(chat_url("presence"), {"available": "false"})
    assert response.json()["available"] is False
    assert not chat.staff_available(site)


def test_leaving_the_page_lets_presence_lapse_within_seconds_unless_another_page_beats(
    marta_client, site
):
    beacon = {"leaving": "true"}  # what navigator.sendBeacon posts, as a form
    with time_machine.travel(NOON, tick=False) as clock:
        heartbeat(marta_client, available=True)
        assert marta_client.post(chat_url("presence"), beacon).status_code == 200
        clock.shift(staff.LEAVING_GRACE_SECONDS - 1)
        assert chat.staff_available(site)  # the next admin page has time to beat
        clock.shift(2)
        assert not chat.staff_available(site)  # the tab was closed

        # Moving to another admin page: its first heartbeat keeps presence going.
        heartbeat(marta_client, heartbeat=True)
        marta_client.post(chat_url("presence"), beacon)
        clock.shift(1)
        heartbeat(marta_client, heartbeat=True)
        clock.shift(10)
        assert chat.staff_available(site)
    assert marta_client.get(chat_url("presence")).json()["available"] is True


def test_the_switch_counts_the_other_staff_available(marta_client, site):
    luis = staff_user("view_conversation", "reply_conversation", username="luis")
    ChatPresence.objects.create(user=luis, site=site, available=True)
    other = Site.objects.create(hostname="otra.example", root_page=site.root_page)
    ChatPresence.objects.create(
        user=staff_user("reply_conversation", username="eva"), site=other, available=True
    )

    state = heartbeat(marta_client, available=True).json()

    assert state["others"] == 1
    assert state["others_text"] == "1 other person is available for chat."


# Who may


@pytest.mark.parametrize(
    "method,name,needs_pk",
    [
        ("get", "presence", False),
        ("post", "presence", False),
        ("get", "new_chats", False),
        ("get", "events", True),
        ("post", "send", True),
        ("post", "typing", True),
    ],
)
def test_staff_who_may_not_reply_are_refused(client, site, method, name, needs_pk):
    editor = staff_user("view_conversation", username="editor")
    client.force_login(editor)
    started = a_chat(site)
    url = chat_url(name, started.pk) if needs_pk else chat_url(name)

    response = getattr(client, method)(url, {"available": "true", "body": "Hola"})

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Chatting with shoppers needs the permission to reply to them."
    )
    assert not ChatPresence.objects.exists()
    assert not started.messages.filter(kind=Message.Kind.REPLY).exists()


def test_signed_out_requests_get_nothing(client, site):
    started = a_chat(site)
    response = client.get(chat_url("events", started.pk))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_post_without_the_csrf_token_is_refused(site, marta):
    from django.test import Client

    careful = Client(enforce_csrf_checks=True)
    careful.force_login(marta)
    response = careful.post(chat_url("presence"), {"available": "true"})
    assert response.status_code == 403
    assert not ChatPresence.objects.exists()


# Bad input gets a clear 4xx


@pytest.mark.parametrize(
    "body,content_type,detail",
    [
        ("{not json", "application/json", "The request is not valid JSON."),
        ("[1, 2]", "application/json", "The request must be a JSON object."),
        ('{"available": "maybe"}', "application/json", "Say true or false for “available”."),
        ('{"available": [true]}', "application/json", "Say true or false for “available”."),
        ('{"heartbeat": 2}', "application/json", "Say true or false for “heartbeat”."),
        ("{}", "application/json", "Say true or false for “available”."),
        (b"\xff\xfe", "application/json", "The request is not valid JSON."),
    ],
)
def test_a_bad_heartbeat_gets_a_clear_400(marta_client, site, body, content_type, detail):
    response = marta_client.post(chat_url("presence"), body, content_type=content_type)
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_a_bad_message_number_or_conversation_gets_a_clear_answer(marta_client, site):
    started = a_chat(site)
    for after in ("x", "-1", "1e3", str(2**64)):
        response = marta_client.get(chat_url("events", started.pk), {"after": after})
        assert response.status_code == 400, after
        assert response.json() == {"detail": "“after” must be a message number."}
    assert marta_client.get(chat_url("new_chats"), {"after": "nope"}).status_code == 400
    missing = marta_client.get(chat_url("events", started.pk + 100))
    assert missing.status_code == 404
    assert missing.json() == {"detail": "There is no such conversation."}
    assert marta_client.get(chat_url("send", started.pk)).status_code == 405


@pytest.mark.parametrize(
    "payload,detail",
    [
        ({"body": "   "}, "Write an answer first."),
        ({}, "Write an answer first."),
        ({"body": ["Hola"]}, "Write your answer as text."),
        ({"body": "x" * 5001}, "The answer is too long: at most 5000 characters."),
    ],
)
def test_a_bad_answer_gets_a_clear_400_and_nothing_is_stored(marta_client, site, payload, detail):
    started = a_chat(site)
    response = marta_client.post(
        chat_url("send", started.pk), json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert not started.messages.filter(kind=Message.Kind.REPLY).exists()


def test_an_oversized_request_gets_a_413(marta_client, site, settings):
    started = a_chat(site)
    huge = json.dumps({"body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = marta_client.post(
        chat_url("send", started.pk), huge, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large."}


def test_answers_in_spanish_for_staff_who_use_the_admin_in_spanish(marta_client, marta, site):
    from wagtail.users.models import UserProfile

    UserProfile.get_for_user(marta)
    UserProfile.objects.filter(user=marta).update(preferred_language="es")
    response = marta_client.post(chat_url("presence"), "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "La petición no es un JSON válido."


# Reading a chat as it is written


def test_staff_see_the_shoppers_lines_typing_and_whether_they_are_in_the_chat(marta_client, site):
    started = a_chat(site, message=HOSTILE)
    first = started.messages.get()
    chat.set_typing(started, chat.SHOPPER)
    Message.objects.create(conversation=started, kind=Message.Kind.NOTE, body="Nota interna")

    news = marta_client.get(chat_url("events", started.pk)).json()

    assert news["shopper_present"] is True
    assert news["shopper_typing"] is True
    assert news["status"] == "open"
    assert [(m["id"], m["who"], m["body"], m["mine"]) for m in news["messages"]] == [
        (first.pk, "Ana García", HOSTILE, False)
    ]
    # Only what came after the last line the panel has; asking marks nobody as in the chat.
    line = chat.add_chat_message(started, "¿Y en azul?")
    again = marta_client.get(chat_url("events", started.pk), {"after": first.pk}).json()
    assert [m["id"] for m in again["messages"]] == [line.pk]
    assert again["shopper_typing"] is False  # a line sent ends the typing

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31)):
        gone = marta_client.get(chat_url("events", started.pk)).json()
    assert gone["shopper_present"] is False


def test_staff_typing_is_shown_to_the_shopper(marta_client, site):
    started = a_chat(site)
    assert shoppers_view(started)["staff_typing"] is False
    response = marta_client.post(chat_url("typing", started.pk))
    assert response.status_code == 204
    assert shoppers_view(started)["staff_typing"] is True


# Answering in the chat


def send(client, conversation, body, capture):
    with capture(execute=True):
        return client.post(
            chat_url("send", conversation.pk),
            json.dumps({"body": body}),
            content_type="application/json",
            HTTP_ACCEPT="application/json",
        )


def test_an_answer_while_the_shopper_is_in_the_chat_is_logged_and_not_emailed(
    marta_client, marta, shop, smtp_mailer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        started = a_chat(shop, email="ana@example.com")
    confirmation_count = len(smtp_mailer.to("ana@example.com"))
    shoppers_view(started)  # the shopper's panel asked for news just now

    response = send(marta_client, started, "Sí, la tenemos.", django_capture_on_commit_callbacks)

    assert response.status_code == 201
    sent = response.json()
    reply = started.messages.get(kind=Message.Kind.REPLY)
    assert sent["id"] == reply.pk and sent["emailed"] is False and sent["notice"] == ""
    assert sent["message"]["body"] == "Sí, la tenemos." and sent["message"]["mine"] is True
    assert sent["message"]["who"] == "Marta"
    assert (reply.via, reply.author, reply.body) == (Message.Via.CHAT, marta, "Sí, la tenemos.")
    assert not reply.deliveries.exists()
    assert len(smtp_mailer.to("ana@example.com")) == confirmation_count
    started.refresh_from_db()
    assert started.first_response_at == reply.created_at
    assert started.status == Status.WAITING
    entry = ModelLogEntry.objects.get(object_id=str(started.pk), action=actions.REPLY)
    assert entry.user == marta and entry.data["message"] == reply.pk
    # The shopper's panel gets it.
    [line] = [m for m in shoppers_view(started)["messages"] if m["id"] == reply.pk]
    assert (line["who"], line["body"]) == ("Marta", "Sí, la tenemos.")


def test_an_answer_after_the_shopper_left_is_emailed_with_the_conversation_link(
    marta_client, shop, smtp_mailer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        started = a_chat(shop, email="ana@example.com")
    later = timezone.now() + dt.timedelta(seconds=31)
    with time_machine.travel(later):
        response = send(
            marta_client, started, "Te escribo por correo.", django_capture_on_commit_callbacks
        )

    assert response.status_code == 201
    assert response.json()["emailed"] is True
    assert response.json()["notice"] == (
        "The shopper has left the chat: your answer was also emailed."
    )
    email = smtp_mailer.to("ana@example.com")[-1]
    text = email.get_content()
    assert "Te escribo por correo." in text
    assert THREAD_LINK.search(text)


def test_a_conversation_of_another_source_is_answered_in_the_chat_only_while_the_shopper_is_there(
    marta_client, site, django_capture_on_commit_callbacks
):
    by_form = conversation(site, source=Source.FORM)
    refused = send(marta_client, by_form, "Hola", django_capture_on_commit_callbacks)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "The shopper is not in the chat: answer by email below."}

    chat.mark_shopper_seen(by_form)  # they opened the chat on their conversation
    assert (
        send(marta_client, by_form, "Hola", django_capture_on_commit_callbacks).status_code == 201
    )


def test_spam_is_not_answered_in_the_chat(marta_client, site, django_capture_on_commit_callbacks):
    started = a_chat(site)
    Conversation.objects.filter(pk=started.pk).update(status=Status.SPAM)
    response = send(marta_client, started, "Hola", django_capture_on_commit_callbacks)
    assert response.status_code == 409
    assert response.json() == {"detail": "The conversation is no longer in the inbox."}


def test_without_javascript_the_chat_box_posts_and_comes_back_to_the_conversation(
    marta_client, site
):
    started = a_chat(site)
    response = marta_client.post(chat_url("send", started.pk), {"body": "Hola, Ana"})
    reply = started.messages.get(kind=Message.Kind.REPLY)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/inbox/{started.pk}/#message-{reply.pk}")


# New chats


def test_new_chats_since_the_last_one_seen(marta_client, site):
    before = a_chat(site, name="Primera")
    start = marta_client.get(chat_url("new_chats")).json()
    assert start == {"latest": before.pk, "chats": []}

    conversation(site, source=Source.FORM)  # not a chat
    spam = a_chat(site, name="Robot")
    Conversation.objects.filter(pk=spam.pk).update(status=Status.SPAM)
    other_site = Site.objects.create(hostname="otra.example", root_page=site.root_page)
    a_chat(other_site, name="Otra tienda")
    new = a_chat(site, name="Ana <b>García</b>", message="  Hola,\n ¿hacéis envíos a Canarias?")

    found = marta_client.get(chat_url("new_chats"), {"after": start["latest"]}).json()

    assert found["latest"] == new.pk
    assert found["chats"] == [
        {
            "id": new.pk,
            "reference": new.reference,
            "name": "Ana <b>García</b>",
            "url": f"/admin/contactkit/inbox/{new.pk}/",
            "title": "New chat: Ana <b>García</b>",
            "body": "Hola, ¿hacéis envíos a Canarias?",
        }
    ]
    assert marta_client.get(chat_url("new_chats"), {"after": new.pk}).json()["chats"] == []


# The admin pages


def test_every_admin_page_loads_the_chat_script_as_a_static_tag(marta_client, site):
    html = BeautifulSoup(marta_client.get(reverse("wagtailadmin_home")).content, "html.parser")
    [tag] = [s for s in html.select("script[src]") if "contactkit/admin-chat.js" in s["src"]]
    assert tag.string is None or not tag.string.strip()  # no inline code
    assert tag["data-presence-url"] == chat_url("presence")
    assert tag["data-new-chats-url"] == chat_url("new_chats")
    assert tag["data-sound-url"].split("?")[0].endswith("contactkit/chat-ping.wav")
    assert tag["data-label"] == "Available for chat"
    assert html.select('link[href*="contactkit/admin-chat.css"]')
    output = staff.admin_script()
    assert output.startswith("<script defer src=") and output.endswith("></script>")


def test_the_notification_sound_is_a_small_wav(settings):
    import wave
    from pathlib import Path

    path = Path(staff.__file__).parents[1] / "static" / "contactkit" / "chat-ping.wav"
    assert path.stat().st_size < 8_000
    with wave.open(str(path)) as sound:
        assert 0.1 < sound.getnframes() / sound.getframerate() < 1


def test_a_chat_page_has_the_live_panel_with_everything_escaped(marta_client, site):
    started = a_chat(site, message=HOSTILE, name="Ana <i>García</i>")
    html = marta_client.get(reverse("contactkit_inbox:detail", args=[started.pk])).content
    page = BeautifulSoup(html, "html.parser")

    [panel] = page.select("[data-ck-live-chat]")
    log = panel.select_one("[role=log]")
    assert log["aria-live"] == "polite"
    [line] = log.select("li")
    assert line.select_one(".ck-live-chat__body").get_text() == HOSTILE
    assert line.select_one(".ck-live-chat__who").get_text() == "Ana <i>García</i>"
    assert not panel.select("script, b, i")
    assert panel["data-events-url"] == chat_url("events", started.pk)
    assert panel["data-after"] == str(started.messages.get().pk)
    assert "The shopper is in the chat" in panel.select_one("[data-ck-chat-presence]").get_text()
    # The email reply form stays below it.
    assert page.select_one("#live-chat-section").find_next("form", action=re.compile("/reply/"))


def test_no_live_panel_for_other_conversations_or_staff_who_may_not_reply(
    marta_client, client, site
):
    by_form = conversation(site, source=Source.FORM)
    detail = reverse("contactkit_inbox:detail", args=[by_form.pk])
    assert b"data-ck-live-chat" not in marta_client.get(detail).content
    chat.mark_shopper_seen(by_form)
    assert b"data-ck-live-chat" in marta_client.get(detail).content

    client.force_login(staff_user("view_conversation", username="lectora"))
    started = a_chat(site)
    assert (
        b"data-ck-live-chat"
        not in client.get(reverse("contactkit_inbox:detail", args=[started.pk])).content
    )


def test_the_admin_script_parses_nothing_as_html_and_has_no_words_of_its_own():
    """Every word staff read comes from the server (data-* attributes, JSON answers)."""
    from pathlib import Path

    code = (Path(staff.__file__).parents[1] / "static" / "contactkit" / "admin-chat.js").read_text()
    for api in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert api not in code, api
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    code = re.sub(r"^\s*//.*$", "", code, flags=re.M)
    literals = {one or other for one, other in re.findall(r'"([^"\\]*)"|`([^`]*)`', code)}
    words = [
        text
        for text in literals - {"use strict"}
        if re.search(r"(^|\s)[A-Za-z]{2,}\s+[A-Za-z]{2,}(\s|$)", text)
    ]
    assert words == []
