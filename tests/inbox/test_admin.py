"""Shop staff work through the inbox in the Wagtail admin: find, read, answer, sort and export."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.admin_url_finder import AdminURLFinder

from contactkit.inbox.models import (
    Attachment,
    CannedReply,
    Conversation,
    EmailDelivery,
    InboxSettings,
    Message,
    Source,
    Status,
    Topic,
)
from tests.inbox.builders import (
    attach,
    conversation,
    first_message,
    staff_user,
    use_private_storage,
)
from tests.profile.builders import profile_for

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path, monkeypatch):
    return use_private_storage(settings, tmp_path, monkeypatch)


def inbox(name="index", *args):
    return reverse(f"contactkit_inbox:{name}", args=args)


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def references(response):
    """The references listed, in order."""
    html = BeautifulSoup(response.content, "html.parser")
    return [cell.get_text(strip=True) for cell in html.select("td.title a")]


def refused(response):
    """Wagtail answers a refused admin page with a 403, or (pages) a redirect to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


def bulk(action, *conversations):
    ids = "&".join(f"id={c.pk}" for c in conversations)
    url = reverse("wagtail_bulk_action", args=["contactkit", "conversation", action])
    return f"{url}?{ids}&next={inbox()}"


# The listing


def test_the_inbox_lists_conversations_and_the_menu_counts_new_ones(admin_client, site):
    new = [conversation(site, name=f"Cliente {n}") for n in range(3)]
    answered = conversation(site, name="Cliente respondido", status=Status.WAITING)
    junk = conversation(site, name="Robot", status=Status.SPAM, spam_reason="honeypot")

    listed = references(admin_client.get(inbox()))

    assert set(listed) == {c.reference for c in [*new, answered]}
    assert junk.reference not in listed
    assert "Inbox (3)" in page(admin_client.get(reverse("wagtailadmin_home")))


def test_the_menu_item_has_no_count_when_nothing_is_new(admin_client, site):
    conversation(site, status=Status.CLOSED)
    home = page(admin_client.get(reverse("wagtailadmin_home")))
    assert '"label": "Inbox"' in home.replace("&quot;", '"')
    assert "Inbox (" not in home


def test_filters_by_status_topic_assignee_date_and_source(admin_client, site):
    marta = staff_user("view_conversation")
    old = conversation(site, name="Antigua", days_ago=40, status=Status.CLOSED)
    waiting = conversation(site, name="Esperando", status=Status.WAITING, assignee=marta)
    complaint = conversation(site, name="Queja", topic=Topic.COMPLAINT)
    withdrawal = conversation(site, name="Desistimiento", source=Source.WITHDRAWAL)

    def listed(**params):
        return set(references(admin_client.get(inbox(), params)))

    assert listed(status=["waiting", "closed"]) == {waiting.reference, old.reference}
    assert listed(topic="complaint") == {complaint.reference}
    assert listed(assignee=marta.pk) == {waiting.reference}
    assert waiting.reference not in listed(assignee="null")
    assert listed(source="withdrawal") == {withdrawal.reference}
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert old.reference not in listed(created_at_from=since)
    assert listed(created_at_to=since) == {old.reference}


@pytest.mark.parametrize(
    "query",
    ["ana.lopez@example", "Ana López", "lavavajillas grande", "GRANDE taza", "PED-7781"],
)
def test_search_finds_by_reference_email_name_order_and_words_of_a_message(
    admin_client, site, query
):
    wanted = conversation(
        site,
        name="Ana López",
        email="ana.lopez@example.com",
        message="¿La taza grande cabe en el lavavajillas?",
        order_number="PED-7781",
    )
    conversation(site, name="Luis", email="luis@example.com", message="Quiero devolver un plato")
    assert references(admin_client.get(inbox(), {"q": query})) == [wanted.reference]
    assert references(admin_client.get(inbox(), {"q": wanted.reference})) == [wanted.reference]


def test_searching_as_you_type_refreshes_the_results(admin_client, site):
    wanted = conversation(site, message="La taza llegó rota")
    conversation(site, name="Luis")
    junk = conversation(site, name="Robot rota", status=Status.SPAM, spam_reason="honeypot")
    assert references(admin_client.get(inbox("index_results"), {"q": "rota"})) == [wanted.reference]
    assert references(admin_client.get(inbox("spam_results"), {"q": "rota"})) == [junk.reference]


def test_the_inbox_speaks_spanish(spanish_admin_client, site):
    made = conversation(site)
    made.mark_answered(made.created_at + dt.timedelta(hours=1))
    made.save()
    assert "Descargar CSV" in page(spanish_admin_client.get(inbox()))
    assert "1\xa0hora" in page(spanish_admin_client.get(inbox("detail", made.pk)))


def test_a_staff_reply_is_found_too(admin_client, site):
    wanted = conversation(site)
    Message.objects.create(conversation=wanted, kind=Message.Kind.REPLY, body="Enviado por SEUR")
    conversation(site, name="Luis")
    assert references(admin_client.get(inbox(), {"q": "seur"})) == [wanted.reference]


def test_the_listing_does_not_query_more_for_more_conversations(
    admin_client, site, django_assert_max_num_queries
):
    marta = staff_user("view_conversation")

    def add(count):
        for n in range(count):
            made = conversation(site, name=f"C{n}", assignee=marta if n % 2 else None)
            made.mark_answered()
            made.save()

    add(3)
    admin_client.get(inbox())  # warm caches (content types, site root paths)
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get(inbox()).status_code == 200
    add(17)
    with django_assert_max_num_queries(len(three.captured_queries)):
        assert len(references(admin_client.get(inbox()))) == 20


def test_the_listing_previews_the_first_words_of_each_message(admin_client, site):
    long = conversation(
        site,
        message="Hola,\nla taza grande que compré ayer llegó rota por el asa y quisiera "
        "saber si me podéis enviar otra igual o devolverme el dinero. Gracias.",
    )
    Message.objects.create(conversation=long, kind=Message.Kind.REPLY, body="Respuesta")
    short = conversation(site, name="Luis", message="¿Tenéis tazas azules?")

    html = BeautifulSoup(admin_client.get(inbox()).content, "html.parser")

    def preview(made):
        title = html.find(id=f"conversation_{made.pk}_title")
        return title.find_parent("tr").select_one("td.ck-preview").get_text(" ", strip=True)

    assert preview(long) == "Hola, la taza grande que compré ayer llegó rota por el asa…"
    assert preview(short) == "¿Tenéis tazas azules?"


def test_the_source_filter_offers_only_the_sources_in_use(admin_client, site):
    conversation(site, source=Source.FORM)
    conversation(site, source=Source.WITHDRAWAL)
    conversation(site, status=Status.SPAM, source=Source.WIDGET, spam_reason="honeypot")

    def offered(folder):
        html = BeautifulSoup(admin_client.get(inbox(folder)).content, "html.parser")
        return [box["value"] for box in html.select("input[name=source]") if box["value"]]

    assert offered("index") == ["form", "withdrawal"]
    assert offered("spam") == ["widget"]


# The spam folder


def test_spam_sits_in_its_folder_with_the_reason_and_not_spam_restores_it(admin_client, site):
    junk = conversation(site, name="Robot", status=Status.SPAM, spam_reason="honeypot links:5")

    folder = admin_client.get(inbox("spam"))
    assert references(folder) == [junk.reference]
    assert "A hidden field only robots see was filled in." in page(folder)
    assert "The message has 5 links." in page(folder)
    assert "Spam (1)" in page(admin_client.get(inbox()))
    detail = page(admin_client.get(inbox("detail", junk.pk)))
    assert "A hidden field only robots see was filled in." in detail

    response = admin_client.post(inbox("not_spam", junk.pk))

    assert response.status_code == 302
    junk.refresh_from_db()
    assert (junk.status, junk.spam_reason) == (Status.NEW, "")
    assert references(admin_client.get(inbox())) == [junk.reference]
    assert references(admin_client.get(inbox("spam"))) == []


def test_staff_can_mark_a_conversation_as_spam(admin_client, site):
    made = conversation(site)
    assert admin_client.post(inbox("mark_spam", made.pk)).status_code == 302
    made.refresh_from_db()
    assert made.status == Status.SPAM
    assert "Marked as spam by staff." in page(admin_client.get(inbox("spam")))


def test_a_conversation_in_spam_cannot_be_answered(admin_client, site):
    junk = conversation(site, status=Status.SPAM, spam_reason="honeypot")
    detail = page(admin_client.get(inbox("detail", junk.pk)))
    assert 'name="reply-body"' not in detail
    admin_client.post(inbox("reply", junk.pk), {"reply-body": "Hola", "reply-then": "waiting"})
    assert not junk.messages.filter(kind=Message.Kind.REPLY).exists()


# Held for review


def test_held_messages_have_their_folder_and_are_counted_where_staff_look(admin_client, site):
    new = conversation(site, name="Nueva")
    held = conversation(site, name="Retenida", status=Status.HELD, spam_reason="rate_ip")

    listing = admin_client.get(inbox())
    assert references(listing) == [new.reference]
    html = BeautifulSoup(listing.content, "html.parser")
    banner = html.select_one(".help-block.help-warning")
    assert "1 message is held for review." in banner.get_text(" ", strip=True)
    assert banner.find("a", href=inbox("held"))
    header = [a.get_text(" ", strip=True) for a in html.select("header a")]
    assert "Spam (0)" in header and "Held for review (1)" in header
    # The menu counts new conversations only.
    assert "Inbox (1)" in page(admin_client.get(reverse("wagtailadmin_home")))

    folder = admin_client.get(inbox("held"))
    assert references(folder) == [held.reference]
    assert "Held for review" in page(folder)
    assert references(admin_client.get(inbox("held_results"), {"q": "Retenida"})) == [
        held.reference
    ]
    footer = BeautifulSoup(folder.content, "html.parser").find(
        attrs={"data-bulk-action-footer": True}
    )
    buttons = [a.get_text(strip=True) for a in footer.select("[data-bulk-action-button]")]
    assert buttons == ["Release", "Mark as spam"]


def test_no_banner_when_nothing_is_held(admin_client, site):
    conversation(site)
    html = BeautifulSoup(admin_client.get(inbox()).content, "html.parser")
    assert not html.select(".help-block.help-warning")


def test_a_held_message_is_released_from_its_page(admin_client, site):
    inbox_settings = InboxSettings.for_site(site)
    inbox_settings.notify_emails = "tienda@example.com"
    inbox_settings.save()
    held = conversation(site, status=Status.HELD, spam_reason="rate_ip")
    attachment = attach(first_message(held))
    Attachment.objects.filter(pk=attachment.pk).update(quarantined=True)

    html = BeautifulSoup(admin_client.get(inbox("detail", held.pk)).content, "html.parser")
    assert "This conversation is held for review" in html.get_text()
    release = html.find("form", action=inbox("release", held.pk))
    assert release.find("button").get_text(strip=True) == "Release: it is a real message"
    assert not html.find("textarea", attrs={"name": "reply-body"})

    response = admin_client.post(inbox("release", held.pk))

    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.spam_reason) == (Status.NEW, "")
    assert sorted(EmailDelivery.objects.values_list("kind", flat=True)) == [
        EmailDelivery.Kind.CONFIRMATION,
        EmailDelivery.Kind.NOTIFICATION,
    ]
    attachment.refresh_from_db()
    assert not attachment.quarantined
    assert references(admin_client.get(inbox())) == [held.reference]


def test_several_held_messages_are_released_at_once(admin_client, site):
    held = [conversation(site, status=Status.HELD, spam_reason="rate_email") for _ in range(2)]
    ids = "&".join(f"id={c.pk}" for c in held)
    url = reverse("wagtail_bulk_action", args=["contactkit", "conversation", "release"])

    assert all(c.reference in page(admin_client.get(f"{url}?{ids}")) for c in held)
    admin_client.post(f"{url}?{ids}")

    assert set(Conversation.objects.values_list("status", flat=True)) == {Status.NEW}
    assert EmailDelivery.objects.filter(kind=EmailDelivery.Kind.CONFIRMATION).count() == 2


def test_a_held_message_is_answered_or_changed_only_once_released(admin_client, site):
    held = conversation(site, status=Status.HELD, spam_reason="rate_ip")
    admin_client.post(inbox("reply", held.pk), {"reply-body": "Hola", "reply-then": "waiting"})
    admin_client.post(
        inbox("handle", held.pk), {"handling-status": "closed", "handling-assignee": ""}
    )
    admin_client.post(bulk("close", held))
    held.refresh_from_db()
    assert held.status == Status.HELD
    assert not held.messages.filter(kind=Message.Kind.REPLY).exists()
    assert not EmailDelivery.objects.exists()


def test_view_only_staff_cannot_release(client, site):
    held = conversation(site, status=Status.HELD, spam_reason="rate_ip")
    client.force_login(staff_user("view_conversation"))
    assert "Release: it is a real message" not in page(client.get(inbox("detail", held.pk)))
    assert refused(client.post(inbox("release", held.pk)))
    url = reverse("wagtail_bulk_action", args=["contactkit", "conversation", "release"])
    assert refused(client.post(f"{url}?id={held.pk}"))
    held.refresh_from_db()
    assert held.status == Status.HELD


# A conversation


def test_assign_and_change_the_status(admin_client, site):
    marta = staff_user("view_conversation")
    made = conversation(site)

    response = admin_client.post(
        inbox("handle", made.pk), {"handling-status": "closed", "handling-assignee": marta.pk}
    )

    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.assignee) == (Status.CLOSED, marta)
    assert made.closed_at is not None
    detail = page(admin_client.get(inbox("detail", made.pk)))
    assert "Marta Ruiz" in detail

    admin_client.post(
        inbox("handle", made.pk), {"handling-status": "open", "handling-assignee": ""}
    )
    made.refresh_from_db()
    assert (made.status, made.assignee, made.closed_at) == (Status.OPEN, None, None)


def test_only_staff_who_see_the_inbox_can_be_assigned(admin_client, site):
    outsider = staff_user()
    made = conversation(site)
    response = admin_client.post(
        inbox("handle", made.pk), {"handling-status": "open", "handling-assignee": outsider.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in page(response)
    made.refresh_from_db()
    assert made.assignee is None


def test_an_internal_note_is_kept_and_never_emailed(admin_client, site):
    made = conversation(site)

    response = admin_client.post(
        inbox("note", made.pk), {"note-body": "Llamé a la agencia: llega el lunes."}
    )

    assert response.status_code == 302
    note = made.messages.get(kind=Message.Kind.NOTE)
    assert note.body == "Llamé a la agencia: llega el lunes."
    assert note.author.username == "owner-en"
    assert not EmailDelivery.objects.filter(conversation=made).exists()
    html = BeautifulSoup(admin_client.get(inbox("detail", made.pk)).content, "html.parser")
    shown = html.find(id=f"message-{note.pk}")
    assert "ck-message--note" in shown["class"]
    assert "Internal note" in shown.get_text()


def test_a_reply_is_emailed_recorded_and_times_the_first_response(admin_client, site):
    made = conversation(site)

    response = admin_client.post(
        inbox("reply", made.pk),
        {"reply-body": "Hola Ana, tu pedido sale hoy.", "reply-then": "waiting"},
    )

    assert response.status_code == 302
    reply = made.messages.get(kind=Message.Kind.REPLY)
    assert response["Location"].endswith(f"#message-{reply.pk}")
    assert reply.body == "Hola Ana, tu pedido sale hoy."
    assert reply.author.username == "owner-en"
    delivery = EmailDelivery.objects.get(conversation=made, kind=EmailDelivery.Kind.REPLY)
    assert delivery.message == reply
    assert delivery.recipients == ["ana@example.com"]
    made.refresh_from_db()
    assert made.status == Status.WAITING
    assert made.first_response_at is not None
    detail = page(admin_client.get(inbox("detail", made.pk)))
    assert "Hola Ana, tu pedido sale hoy." in detail
    assert "Not answered yet" not in detail


def test_replying_can_close_the_conversation(admin_client, site):
    made = conversation(site)
    admin_client.post(inbox("reply", made.pk), {"reply-body": "Resuelto.", "reply-then": "closed"})
    made.refresh_from_db()
    assert made.status == Status.CLOSED
    assert made.closed_at is not None


def test_an_empty_reply_is_explained_and_nothing_is_sent(admin_client, site):
    made = conversation(site)
    response = admin_client.post(
        inbox("reply", made.pk), {"reply-body": " ", "reply-then": "waiting"}
    )
    assert "This field is required." in page(response)
    assert not EmailDelivery.objects.filter(conversation=made).exists()


def test_the_first_response_time_is_shown(admin_client, site):
    made = conversation(site)
    made.created_at = timezone.now() - dt.timedelta(hours=3, minutes=5)
    made.first_response_at = made.created_at + dt.timedelta(hours=2, minutes=30)
    made.save()
    assert "2\xa0hours, 30\xa0minutes" in page(admin_client.get(inbox()))
    assert "2\xa0hours, 30\xa0minutes" in page(admin_client.get(inbox("detail", made.pk)))


def test_a_canned_reply_fills_in_the_shoppers_name_reference_and_shop(admin_client, site):
    profile_for(site, trade_name="Cerámica Alba")
    made = conversation(site, name="Ana")
    canned = CannedReply.objects.create(
        title="Enviado", body="Hola {name}: tu consulta {reference} está resuelta. {shop}"
    )

    html = BeautifulSoup(admin_client.get(inbox("detail", made.pk)).content, "html.parser")

    # The texts "Use this text" inserts at the cursor, filled in, for the page's script.
    form = html.find("form", attrs={"data-ck-canned-texts": True})
    data = html.find("script", id=form["data-ck-canned-texts"])
    assert data["type"] == "application/json"
    assert json.loads(data.string) == {
        str(canned.pk): f"Hola Ana: tu consulta {made.reference} está resuelta. Cerámica Alba"
    }
    assert form.find("select", attrs={"name": "canned"})
    assert form.find("textarea", attrs={"name": "reply-body"})
    assert html.find("script", src=re.compile(r"contactkit/admin/inbox\.js"))


def test_use_this_text_without_javascript_keeps_the_draft_and_sends_nothing(admin_client, site):
    """Behaviour changed on purpose: "Use this text" used to reload the page with a GET,
    losing what was typed; now the draft travels with the form and the text is added after it.
    """
    profile_for(site, trade_name="Cerámica Alba")
    made = conversation(site, name="Ana")
    canned = CannedReply.objects.create(title="Enviado", body="Tu pedido {reference} ha salido.")

    response = admin_client.post(
        inbox("reply", made.pk),
        {
            "canned": canned.pk,
            "use_canned": "1",
            "reply-body": "Hola Ana, perdona el retraso.",
            "reply-then": "closed",
        },
    )

    html = BeautifulSoup(page(response), "html.parser")
    textarea = html.find("textarea", attrs={"name": "reply-body"})
    assert textarea.get_text().strip() == (
        f"Hola Ana, perdona el retraso.\n\nTu pedido {made.reference} ha salido."
    )
    assert html.find("select", attrs={"name": "canned"}).find("option", selected=True)[
        "value"
    ] == str(canned.pk)
    then = html.find("select", attrs={"name": "reply-then"}).find("option", selected=True)
    assert then["value"] == "closed"
    assert not made.messages.filter(kind=Message.Kind.REPLY).exists()
    assert not EmailDelivery.objects.filter(conversation=made).exists()

    # An empty draft simply becomes the canned text; no choice keeps the draft as it was.
    response = admin_client.post(
        inbox("reply", made.pk), {"canned": canned.pk, "use_canned": "1", "reply-body": ""}
    )
    assert f"Tu pedido {made.reference} ha salido." in page(response)
    response = admin_client.post(
        inbox("reply", made.pk), {"canned": "", "use_canned": "1", "reply-body": "Borrador"}
    )
    html = BeautifulSoup(page(response), "html.parser")
    assert html.find("textarea", attrs={"name": "reply-body"}).get_text().strip() == "Borrador"
    assert "Choose a canned reply first." in html.get_text()


def test_canned_replies_in_the_shoppers_language_come_first(admin_client, site):
    made = conversation(site, language="en")
    for title, language in [
        ("Gracias", "es"),
        ("Thanks", "en"),
        ("Address check", ""),
        ("Adiós", "es"),
        ("Bye", "en"),
    ]:
        CannedReply.objects.create(title=title, body=title, language=language)

    html = BeautifulSoup(admin_client.get(inbox("detail", made.pk)).content, "html.parser")

    select = html.find("select", attrs={"name": "canned"})
    groups = [
        (group["label"], [option.get_text(strip=True) for option in group.find_all("option")])
        for group in select.find_all("optgroup")
    ]
    assert groups == [
        ("English", ["Bye", "Thanks"]),
        ("Any language", ["Address check"]),
        ("Spanish", ["Adiós", "Gracias"]),
    ]


def test_the_same_shoppers_other_conversations_are_linked(admin_client, site):
    made = conversation(site, email="ana@example.com")
    earlier = conversation(site, email="Ana@Example.COM", days_ago=30, status=Status.CLOSED)
    junk = conversation(site, email="ana@example.com", status=Status.SPAM, spam_reason="honeypot")
    stranger = conversation(site, email="luis@example.com")

    html = BeautifulSoup(admin_client.get(inbox("detail", made.pk)).content, "html.parser")

    panel = html.find(id="others-section")
    links = [a["href"] for a in panel.find_all("a") if "/inbox/" in a["href"]]
    assert inbox("detail", earlier.pk) in links and inbox("detail", junk.pk) in links
    assert inbox("detail", made.pk) not in links
    assert inbox("detail", stranger.pk) not in links
    assert "Closed" in panel.get_text() and "Spam" in panel.get_text()
    lonely = BeautifulSoup(admin_client.get(inbox("detail", stranger.pk)).content, "html.parser")
    assert not lonely.find(id="others-section")


def test_canned_replies_are_managed_as_snippets(admin_client, site):
    CannedReply.objects.create(title="Devoluciones", body="Hola {name}")
    listing = page(admin_client.get(reverse(CannedReply.snippet_viewset.get_url_name("list"))))
    assert "Devoluciones" in listing


def test_links_to_a_conversation_open_its_thread(site):
    made = conversation(site)
    assert AdminURLFinder().get_edit_url(made) == inbox("detail", made.pk)
    assert AdminURLFinder(staff_user()).get_edit_url(made) is None


# Bulk actions


def test_several_conversations_are_closed_at_once(admin_client, site):
    chosen = [conversation(site, name=f"C{n}") for n in range(2)]
    other = conversation(site, name="Otra")

    confirm = page(admin_client.get(bulk("close", *chosen)))
    assert all(c.reference in confirm for c in chosen) and other.reference not in confirm

    response = admin_client.post(bulk("close", *chosen))

    assert response.status_code == 302
    statuses = dict(Conversation.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in chosen] == [Status.CLOSED, Status.CLOSED]
    assert statuses[other.pk] == Status.NEW
    assert all(c.closed_at for c in Conversation.objects.filter(status=Status.CLOSED))


def test_several_conversations_are_marked_spam_and_restored_at_once(admin_client, site):
    chosen = [conversation(site, name=f"C{n}") for n in range(2)]
    admin_client.post(bulk("mark_spam", *chosen))
    assert set(references(admin_client.get(inbox("spam")))) == {c.reference for c in chosen}

    admin_client.post(bulk("not_spam", *chosen))
    assert set(Conversation.objects.values_list("status", flat=True)) == {Status.NEW}


def test_several_conversations_are_assigned_at_once(admin_client, site):
    marta = staff_user("view_conversation")
    chosen = [conversation(site, name=f"C{n}") for n in range(2)]
    admin_client.post(bulk("assign", *chosen), {"assignee": marta.pk})
    assert {c.assignee_id for c in Conversation.objects.all()} == {marta.pk}


def test_the_listing_offers_the_bulk_actions(admin_client, site):
    conversation(site)
    html = BeautifulSoup(admin_client.get(inbox()).content, "html.parser")
    footer = html.find(attrs={"data-bulk-action-footer": True})
    buttons = [a.get_text(strip=True) for a in footer.select("[data-bulk-action-button]")]
    assert buttons == ["Close", "Mark as spam", "Assign"]
    assert html.select("input[data-bulk-action-checkbox]")


# Exports: tests/inbox/test_exports.py


# A strict Content-Security-Policy


def inline_styles_and_scripts(html):
    """What a strict CSP would block: <style>, style="", and scripts written in the page
    (JSON data in a <script type="application/json"> is data, not code)."""
    soup = BeautifulSoup(html, "html.parser")
    blocked = [str(tag)[:120] for tag in soup.find_all("style")]
    blocked += [str(tag)[:120] for tag in soup.find_all(style=True)]
    blocked += [
        str(tag)[:120]
        for tag in soup.find_all("script")
        if not tag.get("src") and tag.get("type") != "application/json"
    ]
    return blocked


def test_every_inbox_page_works_under_a_strict_content_security_policy(admin_client, site):
    made = conversation(site, order_number="PED-1", extra_fields={"Talla": "M"})
    attach(first_message(made))
    Message.objects.create(conversation=made, kind=Message.Kind.NOTE, body="Nota")
    conversation(site, email=made.email, days_ago=3)
    junk = conversation(site, status=Status.SPAM, spam_reason="honeypot")
    held = conversation(site, status=Status.HELD, spam_reason="rate_ip")
    CannedReply.objects.create(title="Hola", body="Hola {name}")
    admin_client.post(inbox("note", made.pk), {"note-body": "Para el historial"})

    responses = {
        name: admin_client.get(url)
        for name, url in {
            "inbox": inbox(),
            "inbox results": inbox("index_results"),
            "filtered": f"{inbox()}?status=new&created_at_from=2020-01-01",
            "spam": inbox("spam"),
            "held": inbox("held"),
            "conversation": inbox("detail", made.pk),
            "spam conversation": inbox("detail", junk.pk),
            "held conversation": inbox("detail", held.pk),
            "history": inbox("history", made.pk),
            "privacy": inbox("privacy"),
            "bulk close": bulk("close", made),
            "bulk assign": bulk("assign", made),
            "bulk release": bulk("release", held),
        }.items()
    }
    responses["erase confirmation"] = admin_client.post(
        inbox("privacy"), {"email": made.email, "action": "erase"}
    )
    responses["canned reply without script"] = admin_client.post(
        inbox("reply", made.pk), {"canned": "", "use_canned": "1", "reply-body": "Hola"}
    )
    responses["invalid reply"] = admin_client.post(
        inbox("reply", made.pk), {"reply-body": "", "reply-then": "waiting"}
    )

    for name, response in responses.items():
        assert inline_styles_and_scripts(page(response)) == [], name
    styles = BeautifulSoup(page(responses["conversation"]), "html.parser")
    assert styles.find("link", href=re.compile(r"contactkit/admin/inbox\.css"))


def test_contactkits_admin_templates_have_no_inline_style_or_script():
    folder = Path(__file__).parents[2] / "contactkit/templates/contactkit/admin"
    for template in folder.glob("*.html"):
        source = template.read_text()
        assert "<style" not in source and "style=" not in source, template.name
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", source) == [], template.name


# Bad input


def test_html_and_script_from_shoppers_are_shown_escaped(admin_client, site):
    made = conversation(
        site,
        name=SCRIPT,
        email="ana@example.com",
        message='<img src=x onerror="alert(1)">',
        order_number="<b>1</b>",
        extra_fields={"<i>Talla</i>": "<script>x</script>"},
    )
    attach(first_message(made), name="<svg onload=alert(1)>.pdf")

    for html in (
        page(admin_client.get(inbox())),
        page(admin_client.get(inbox("detail", made.pk))),
        page(admin_client.get(bulk("close", made))),
    ):
        assert SCRIPT not in html
        assert "<img src=x" not in html and "<svg onload" not in html
        assert "&lt;script&gt;" in html
    detail = page(admin_client.get(inbox("detail", made.pk)))
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in detail
    assert "<i>Talla</i>" not in detail and "<b>1</b>" not in detail


# Permissions and attachments


def test_group_editing_offers_the_inbox_permissions(admin_client):
    html = page(admin_client.get(reverse("wagtailusers_groups:add")))
    assert "Can reply to shoppers" in html
    soup = BeautifulSoup(html, "html.parser")
    offered = {int(box["value"]) for box in soup.select("input[name=permissions]")}
    from django.contrib.auth.models import Permission

    wanted = Permission.objects.filter(
        content_type__app_label="contactkit",
        codename__in=["view_conversation", "reply_conversation", "delete_conversation"],
    )
    assert set(wanted.values_list("pk", flat=True)) <= offered
    assert not Permission.objects.filter(
        pk__in=offered, codename__in=["add_conversation", "change_conversation"]
    ).exists()


def test_staff_without_the_inbox_permission_see_nothing(client, site):
    made = conversation(site)
    attachment = attach(first_message(made))
    client.force_login(staff_user())

    assert refused(client.get(inbox()))
    assert refused(client.get(inbox("spam")))
    assert refused(client.get(inbox("detail", made.pk)))
    # An unknown conversation answers the same: nothing tells whether one exists.
    assert refused(client.get(inbox("detail", made.pk + 100)))
    assert client.get(inbox("attachment", attachment.pk)).status_code == 404
    assert refused(client.get(inbox(), {"export": "csv"}))
    assert refused(client.post(inbox("note", made.pk), {"note-body": "x"}))
    assert refused(client.get(bulk("close", made)))
    assert refused(client.post(inbox("privacy"), {"email": made.email, "action": "export"}))
    home = page(client.get(reverse("wagtailadmin_home")))
    assert "contactkit_inbox" not in home and "Inbox" not in home


def test_view_only_staff_read_the_thread_but_cannot_act(client, site):
    made = conversation(site, message="Mi pedido no llega")
    attachment = attach(first_message(made), content=b"%PDF bytes")
    client.force_login(staff_user("view_conversation"))

    detail = page(client.get(inbox("detail", made.pk)))
    assert "Mi pedido no llega" in detail
    assert 'name="reply-body"' not in detail and 'name="note-body"' not in detail
    assert "Can reply to shoppers" in detail
    assert client.get(inbox("attachment", attachment.pk)).status_code == 200
    assert "Inbox (1)" in page(client.get(reverse("wagtailadmin_home")))

    for action, data in [
        ("reply", {"reply-body": "Hola", "reply-then": "waiting"}),
        ("note", {"note-body": "Nota"}),
        ("handle", {"handling-status": "closed", "handling-assignee": ""}),
        ("mark_spam", {}),
    ]:
        assert refused(client.post(inbox(action, made.pk), data))
    assert refused(client.post(bulk("close", made)))
    made.refresh_from_db()
    assert made.status == Status.NEW
    assert list(made.messages.values_list("kind", flat=True)) == [Message.Kind.SHOPPER]
    assert not EmailDelivery.objects.exists()
    assert not BeautifulSoup(client.get(inbox()).content, "html.parser").select(
        "input[data-bulk-action-checkbox]"
    )


def test_an_attachment_downloads_with_its_exact_bytes(admin_client, site, settings):
    content = bytes(range(256)) * 4
    made = conversation(site)
    attachment = attach(
        first_message(made), name="foto del golpe.jpg", content=content, content_type="image/jpeg"
    )

    response = admin_client.get(inbox("attachment", attachment.pk))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment;")
    assert "foto" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    detail = page(admin_client.get(inbox("detail", made.pk)))
    assert inbox("attachment", attachment.pk) in detail


def test_attachments_are_kept_outside_public_media(site, settings):
    made = conversation(site)
    attachment = attach(first_message(made))
    stored = Path(attachment.file.path).resolve()
    assert stored.is_file()
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())


def test_a_missing_file_is_a_404(admin_client, site):
    attachment = attach(first_message(conversation(site)))
    attachment.file.storage.delete(attachment.file.name)
    assert admin_client.get(inbox("attachment", attachment.pk)).status_code == 404
