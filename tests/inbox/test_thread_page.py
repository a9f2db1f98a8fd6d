"""The shopper's private conversation page: the link in every email, what it shows, what it
never shows, writing again from it, and links that do not work (expired, tampered, revoked).

Through the test client, with a real SMTP server on 127.0.0.1 for the emails.
"""

import datetime as dt
import io
import re
import time

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from wagtail.models import ModelLogEntry

from contactkit.inbox import actions, spam, threads
from contactkit.inbox.emails import queue_new_conversation_emails, send_reply
from contactkit.inbox.models import (
    Conversation,
    EmailDelivery,
    InboxSettings,
    Message,
    Status,
)
from contactkit.pages.models import ContactPage
from tests.inbox.builders import attach, conversation, note, staff_user, use_private_storage
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.profile.builders import channel, profile_for

STAFF = "ventas@ceramica.example"
HOSTILE = "<script>alert('x')</script> & <b>negrita</b>"
URL = re.compile(r"https?://\S+/conversation/\S+/")


@pytest.fixture(autouse=True)
def clean_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contact_page(site, settings, tmp_path, monkeypatch):
    use_private_storage(settings, tmp_path, monkeypatch)
    profile_for(site, trade_name="Cerámica Alba", time_zone="Europe/Madrid")
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    inbox = InboxSettings.for_site(site)
    inbox.notify_emails = STAFF
    inbox.save()
    return site.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))


@pytest.fixture
def marta(db):
    return staff_user("view_conversation", "reply_conversation", username="marta")


@pytest.fixture
def answered(contact_page, marta, django_capture_on_commit_callbacks):
    """Ana's question, answered by Marta: waiting on Ana."""
    made = conversation(contact_page.get_site(), message="¿Cuándo llega mi pedido?")
    with django_capture_on_commit_callbacks(execute=False):
        send_reply(made, marta, "Sale mañana por SEUR.")
    made.refresh_from_db()
    return made


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def link(conv):
    return path_of(threads.thread_url(conv))


def html(response):
    return BeautifulSoup(response.content, "html.parser")


def words(response):
    return " ".join(html(response).get_text(" ").split())


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#8a3b24").save(buffer, format="PNG")
    return buffer.getvalue()


def reply_data(message="Gracias, lo espero.", **fields):
    return {
        "message": message,
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
        **fields,
    }


# The link


def test_a_token_names_its_conversation_and_no_other(answered, contact_page):
    other = conversation(contact_page.get_site(), email="luis@example.com")
    token = threads.thread_token(answered)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert threads.check_token(token) == (answered, None)
    # The signature covers the conversation's token: pasted onto another, it is worthless.
    swapped = other.reply_token + token[len(answered.reply_token) :]
    assert threads.check_token(swapped) == (None, "invalid")
    assert threads.check_token(threads.thread_token(other)) == (other, None)
    assert threads.thread_url(answered).startswith("http://testserver/contacto/conversation/")


def test_the_link_opens_the_whole_conversation(client, answered, marta, contact_page):
    conversation(contact_page.get_site(), email="luis@example.com", message="Mensaje de Luis")
    response = client.get(link(answered))
    assert response.status_code == 200
    page = html(response)
    assert page.find("h1").get_text(strip=True) == "Your conversation with us"
    assert answered.reference in words(response)
    assert "We have answered: the next word is yours." in words(response)
    messages = page.select(".ck-thread > li")
    assert [m.select_one(".ck-thread__meta strong").get_text() for m in messages] == [
        "You",
        "Marta",
    ]
    assert "¿Cuándo llega mi pedido?" in messages[0].get_text()
    assert "Sale mañana por SEUR." in messages[1].get_text()
    assert "Mensaje de Luis" not in words(response)
    # The shop's time, in its time zone.
    assert messages[0].find("time")["datetime"].endswith(("+01:00", "+02:00"))
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "same-origin"


def problem_page(response, status):
    assert response.status_code == status
    assert response["Cache-Control"] == "private, no-store"
    page = html(response)
    # The new-link form is there, for the shopper to get a working link.
    form = page.find("form", class_="ck-form")
    assert form["action"].endswith("/contacto/conversation/link/")
    assert {field.get("name") for field in form.find_all("input")} >= {"email", "reference"}
    return words(response)


def assert_no_data(text, conv):
    for secret in (conv.reference, conv.name, "¿Cuándo llega mi pedido?", "SEUR", "Marta"):
        assert secret not in text


def test_a_tampered_link_gets_a_clear_page_and_no_data(client, answered):
    url = link(answered)
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    text = problem_page(client.get(tampered), 404)
    assert "This link does not work" in text
    assert_no_data(text, answered)
    # Made up, or naming no conversation: the same page.
    for made_up in ("nonsense", "0123456789abcdef0123-x-y", "zz-1-2"):
        response = client.get(f"/contacto/conversation/{made_up}/")
        assert response.status_code == 404
        assert "This link does not work" in words(response)


def test_an_expired_link_gets_a_clear_page_and_no_data(client, answered, settings):
    settings.CONTACTKIT_THREAD_LINK_DAYS = 30
    url = link(answered)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=29)):
        assert client.get(url).status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)):
        text = problem_page(client.get(url), 410)
    assert "This link has expired" in text
    assert "30 days" in text
    assert_no_data(text, answered)


def test_a_revoked_link_stops_working_and_new_ones_work(client, answered, marta):
    old = link(answered)
    actions.revoke_thread_links(answered, user=marta)
    text = problem_page(client.get(old), 404)
    assert "This link does not work" in text
    assert_no_data(text, answered)
    answered.refresh_from_db()
    assert client.get(link(answered)).status_code == 200
    assert ModelLogEntry.objects.filter(
        object_id=str(answered.pk), action=actions.REVOKE_LINKS
    ).exists()


def test_a_link_of_another_site_is_not_valid_here(client, answered, contact_page):
    from wagtail.models import Site

    other_site = Site.objects.create(hostname="other.example", root_page=contact_page.get_parent())
    answered.site = other_site
    answered.save()
    # The same path asked of this site (testserver): no conversation of this site has it.
    assert client.get(link(answered)).status_code == 404


# Files


def test_only_the_shoppers_own_files_of_this_conversation_are_served(
    client, answered, contact_page, marta
):
    mine = attach(answered.messages.get(kind=Message.Kind.SHOPPER), name="factura <1>.pdf")
    other = conversation(contact_page.get_site(), email="luis@example.com")
    theirs = attach(other.messages.get(), name="de-luis.pdf")
    staff_note = note(answered, "Adjunto interno", author=marta)
    internal = attach(staff_note, name="interno.pdf")
    quarantined = attach(answered.messages.get(kind=Message.Kind.SHOPPER), name="retenido.pdf")
    quarantined.quarantined = True
    quarantined.save()

    url = link(answered)
    response = client.get(url)
    page = html(response)
    links = {a.get_text(): a["href"] for a in page.select(".ck-thread__files a")}
    assert list(links) == ["factura <1>.pdf"]
    assert "retenido.pdf" in words(response) and "interno.pdf" not in words(response)

    download = client.get(links["factura <1>.pdf"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    for forbidden in (theirs, internal, quarantined):
        assert client.get(f"{url}files/{forbidden.pk}/").status_code == 404
    assert client.get(f"{url}files/{mine.pk}/".replace(url, url[:-3] + "xx/")).status_code == 404


# Writing again


@pytest.mark.parametrize("status", [Status.WAITING, Status.CLOSED])
def test_a_reply_from_the_page_reopens_the_conversation_and_tells_staff(
    client, answered, status, smtp_mailer, django_capture_on_commit_callbacks
):
    Conversation.objects.filter(pk=answered.pk).update(status=status)
    url = link(answered)
    if status == Status.CLOSED:
        assert "Closed. If you write again, we open it again." in words(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            reply_data(
                "Ya llegó, pero falta una taza.",
                attachments=SimpleUploadedFile("foto.png", png_bytes(), "image/png"),
            ),
        )
    assert response.status_code == 303 and response["Location"] == url
    answered.refresh_from_db()
    assert answered.status == Status.OPEN
    message = answered.messages.order_by("-pk").first()
    assert (message.kind, message.via, message.body) == (
        "shopper",
        "thread",
        "Ya llegó, pero falta una taza.",
    )
    assert [a.name for a in message.attachments.all()] == ["foto.png"]
    entry = ModelLogEntry.objects.get(object_id=str(answered.pk), action=actions.SHOPPER_MESSAGE)
    assert entry.data["via"] == "thread"
    [follow_up] = smtp_mailer.to(STAFF)
    assert answered.reference in follow_up["Subject"]
    assert "Ya llegó, pero falta una taza." in follow_up.get_content()
    assert answered.deliveries.filter(kind=EmailDelivery.Kind.FOLLOW_UP).count() == 1

    # Back on the page: said sent, and there, with its file; said once only.
    page = client.get(url)
    assert "Your message is sent." in words(page)
    last = html(page).select(".ck-thread > li")[-1]
    assert "Ya llegó, pero falta una taza." in last.get_text()
    assert last.select_one(".ck-thread__files a").get_text() == "foto.png"
    assert "We are looking at it." in words(page)
    assert "Your message is sent." not in words(client.get(url))


def test_the_same_text_sent_twice_in_a_row_is_one_message(client, answered):
    url = link(answered)
    client.post(url, reply_data("Otra cosa."))
    client.post(url, reply_data("Otra cosa."))
    assert answered.messages.filter(body="Otra cosa.").count() == 1


def test_a_bad_file_or_an_empty_message_is_explained_and_nothing_stored(client, answered):
    url = link(answered)
    response = client.post(
        url,
        reply_data(attachments=SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", "application/pdf")),
    )
    assert response.status_code == 200
    summary = html(response).find(id="ck-form-errors")
    assert "“virus.pdf” is not a photo or a PDF we can open." in summary.get_text()
    assert html(response).find("textarea")["name"] == "message"
    assert "Gracias, lo espero." in html(response).find("textarea").get_text()
    response = client.post(url, reply_data(""))
    assert "Write your message first." in words(response)
    assert answered.messages.count() == 2


def test_a_robots_message_is_kept_but_held_back_from_staff(
    client, answered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(link(answered), reply_data("Compra seguidores", website="http://x"))
    assert response.status_code == 303
    # Nothing is ever dropped: staff find it in the thread, with a note saying why it waits.
    message = answered.messages.get(body="Compra seguidores")
    assert message.via == "thread"
    note = answered.messages.get(kind="note")
    assert "held back (A hidden field only robots see was filled in.)" in note.body
    answered.refresh_from_db()
    assert answered.status == "waiting"
    assert not answered.deliveries.filter(kind="follow_up").exists()


def test_past_the_limit_messages_are_kept_and_the_shopper_is_told(
    client, answered, monkeypatch, django_capture_on_commit_callbacks
):
    from contactkit.inbox import thread_views

    monkeypatch.setattr(thread_views, "REPLY_LIMIT", (2, 3600))
    with django_capture_on_commit_callbacks(execute=False):
        for number in range(3):
            response = client.post(link(answered), reply_data(f"Mensaje {number}"))
            assert response.status_code == 303
    page = words(client.get(response["Location"]))
    assert "we will read this message together with the others" in page
    assert answered.messages.filter(kind="shopper", via="thread").count() == 3
    # The first two told staff; the third waits for them in the thread.
    assert answered.deliveries.filter(kind="follow_up").count() == 2
    assert "held back (Too many messages in this conversation in a short time.)" in (
        answered.messages.get(kind="note").body
    )


def test_a_spam_conversation_still_works_for_the_shopper_and_says_nothing_of_spam(
    client, contact_page, marta, django_capture_on_commit_callbacks, smtp_mailer
):
    made = conversation(
        contact_page.get_site(),
        status=Status.SPAM,
        spam_reason="honeypot",
        message="Mi pedido no llega",
    )
    url = link(made)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, reply_data("¿Me leéis?")).status_code == 303
    made.refresh_from_db()
    assert made.status == Status.SPAM
    assert made.messages.filter(body="¿Me leéis?", via="thread").exists()
    assert smtp_mailer.messages == []
    text = words(client.get(url)).lower()
    assert "¿me leéis?" in text
    for word in ("spam", "held", "review", "hidden field"):
        assert word not in text


def test_staff_only_data_is_never_on_the_page(client, answered, marta, contact_page):
    assignee = staff_user("view_conversation", username="zacarias")
    assignee.first_name = "Zacarías"
    assignee.save()
    note(answered, "NOTA INTERNA: cliente difícil", author=marta)
    Conversation.objects.filter(pk=answered.pk).update(
        assignee=assignee, spam_reason="rate_ip too_fast:1"
    )
    response = client.get(link(answered))
    text = words(response)
    for secret in (
        "NOTA INTERNA",
        "Zacarías",
        "zacarias",
        "rate_ip",
        "too_fast",
        "Too many messages",
        "staff@example.com",
        STAFF,
        "Reply to the shopper",
    ):
        assert secret not in response.content.decode(), secret
    assert "Sale mañana por SEUR." in text


def test_hostile_text_is_escaped_on_the_page_and_in_the_admin(client, answered, marta):
    url = link(answered)
    client.post(url, reply_data(HOSTILE))
    content = client.get(url).content.decode()
    assert "<script>alert" not in content and "<b>negrita</b>" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;negrita" in content
    client.force_login(marta)
    admin = client.get(reverse("contactkit_inbox:detail", args=[answered.pk])).content.decode()
    assert "<script>alert" not in admin and "<b>negrita</b>" not in admin
    assert "&lt;script&gt;alert(" in admin


def test_the_page_asks_the_same_queries_however_long_the_conversation(
    client, answered, marta, django_assert_num_queries
):
    url = link(answered)
    client.get(url)  # creates the site's settings: a change, the shop's facts are read again
    client.get(url)  # warm caches (site root paths, content types, the shop's facts)
    with CaptureQueriesContext(connection) as short:
        assert client.get(url).status_code == 200
    for number in range(8):
        Message.objects.create(
            conversation=answered, kind=Message.Kind.SHOPPER, via="thread", body=f"Más {number}"
        )
        attach(answered.messages.order_by("-pk").first())
        Message.objects.create(
            conversation=answered, kind=Message.Kind.REPLY, author=marta, body=f"Vale {number}"
        )
    with django_assert_num_queries(len(short.captured_queries)):
        response = client.get(url)
    assert len(html(response).select(".ck-thread > li")) == 18


# A new link


def ask_for_link(client, email, reference):
    response = client.post(
        "/contacto/conversation/link/", {"email": email, "reference": reference, "website": ""}
    )
    assert response.status_code == 303
    return client.get(response["Location"])


def test_the_new_link_form_answers_the_same_whoever_asks(
    client, answered, smtp_mailer, django_capture_on_commit_callbacks
):
    form = client.get("/contacto/conversation/link/")
    assert form.status_code == 200
    assert form["Cache-Control"] == "private, no-store"
    with django_capture_on_commit_callbacks(execute=True):
        unknown = ask_for_link(client, "nadie@example.com", answered.reference)
        wrong = ask_for_link(client, "ANA@example.com", "CK-1999-000001")
    assert smtp_mailer.messages == []
    with django_capture_on_commit_callbacks(execute=True):
        known = ask_for_link(client, " ANA@example.com", answered.reference.lower())
    assert words(unknown) == words(wrong) == words(known)
    assert "If the email and reference match one of your conversations" in words(known)

    [email] = smtp_mailer.to("ana@example.com")
    assert answered.reference in email["Subject"]
    [url] = URL.findall(email.get_content())
    assert client.get(path_of(url)).status_code == 200
    delivery = answered.deliveries.get(kind="thread_link")
    assert delivery.state == "sent"


def test_asking_for_links_again_and_again_is_refused_for_a_while(client, answered, smtp_mailer):
    for _ in range(5):
        ask_for_link(client, "nadie@example.com", "CK-2026-000001")
    response = client.post(
        "/contacto/conversation/link/",
        {"email": "nadie@example.com", "reference": "CK-2026-000001", "website": ""},
    )
    assert response.status_code == 429
    assert "You have asked for many links in a short time" in words(response)


# The link reaches the shopper


def test_the_emails_carry_a_working_link(
    client, contact_page, marta, smtp_mailer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            made = Conversation.objects.create(
                site=contact_page.get_site(),
                topic="product",
                name="Ana",
                email="ana@example.com",
                language="en",
            )
            Message.objects.create(conversation=made, kind=Message.Kind.SHOPPER, body="Hola")
            queue_new_conversation_emails(made)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        send_reply(made, marta, "Buenas.")
    confirmation, reply = smtp_mailer.to("ana@example.com")
    for email in (confirmation, reply):
        body = email.get_content()
        assert "See the whole conversation and answer here:" in body
        [url] = URL.findall(body)
        page = client.get(path_of(url))
        assert page.status_code == 200
        assert made.reference in words(page)
    # A fresh token each email (made when it is sent).
    assert URL.findall(confirmation.get_content()) != URL.findall(reply.get_content())


def test_the_thank_you_page_links_to_the_conversation(client, contact_page):
    data = {
        "name": "Ana",
        "email": "ana@example.com",
        "topic": "product",
        "message": "¿Tenéis la taza verde?",
        "consent": "on",
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
        "submission_key": "k" * 32,
    }
    response = client.post(contact_page.url, data, follow=True)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    button = html(response).find("a", string="See your conversation")
    page = client.get(button["href"])
    assert page.status_code == 200
    assert "¿Tenéis la taza verde?" in words(page)


def test_the_withdrawal_receipt_links_to_the_conversation_until_links_are_revoked(
    client, contact_page, marta
):
    from contactkit.pages.models import ReturnsPage
    from contactkit.returns.withdrawal import links
    from contactkit.returns.withdrawal.models import Withdrawal

    contact_page.get_parent().add_child(instance=ReturnsPage(title="Devoluciones", slug="dev"))
    made = conversation(contact_page.get_site(), topic="withdrawal", source="withdrawal")
    statement = Withdrawal(
        conversation=made,
        name=made.name,
        email=made.email,
        order_number="PED-1001",
        received_at=dt.datetime(2026, 6, 16, 18, 3, 27, tzinfo=dt.UTC),
        time_zone="Europe/Madrid",
        language="en",
    )
    statement.sign()
    statement.save()
    receipt = path_of(links.receipt_url(statement))
    button = html(client.get(receipt)).find("a", string="See your conversation")
    assert client.get(path_of(button["href"])).status_code == 200
    # Revoked: the receipt (whose own link never expires) gives no new link any more.
    actions.revoke_thread_links(made, user=marta)
    assert html(client.get(receipt)).find("a", string="See your conversation") is None


# The admin


def test_staff_see_the_links_and_can_revoke_them(client, answered, marta):
    Message.objects.create(
        conversation=answered,
        kind=Message.Kind.SHOPPER,
        via="email",
        body="Vale.",
        original="Vale.\n\n> Sale mañana por SEUR.\nAna <script>x</script>",
    )
    client.force_login(marta)
    detail = reverse("contactkit_inbox:detail", args=[answered.pk])
    page = html(client.get(detail))
    panel = page.find(id="thread-links-section")
    assert "Links have never been revoked." in panel.get_text()
    assert panel.find("button", string="Revoke links") is not None
    assert "via Email" in page.get_text() and "via Inbox" in page.get_text()
    original = page.select_one("details.ck-message__original")
    assert original.find("summary").get_text(strip=True) == "Show the whole email"
    assert "> Sale mañana por SEUR." in original.get_text()
    assert original.find("script") is None

    old = link(answered)
    response = client.post(reverse("contactkit_inbox:revoke_links", args=[answered.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#thread-links-section")
    answered.refresh_from_db()
    assert answered.thread_revoked_at is not None
    page = client.get(detail)
    assert "no longer work" in words(page)
    assert "Links last revoked:" in words(page)
    client.logout()
    assert client.get(old).status_code == 404


def test_only_who_can_reply_may_revoke(client, answered):
    reader = staff_user("view_conversation", username="lector")
    client.force_login(reader)
    detail = client.get(reverse("contactkit_inbox:detail", args=[answered.pk]))
    assert "Revoke links" not in detail.content.decode()
    response = client.post(reverse("contactkit_inbox:revoke_links", args=[answered.pk]))
    assert response.status_code in (302, 403)
    answered.refresh_from_db()
    assert answered.thread_revoked_at is None
