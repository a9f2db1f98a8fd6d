"""A shopper asks to return or exchange an item (a fault, a wrong item, another size, a change of
mind) from the Returns page, with photos: stored in the inbox as a "return" conversation, with
the contact form's checks, limits and storage."""

import io
import time

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image
from wagtail.models import Locale

from contactkit.inbox import spam
from contactkit.inbox.models import Attachment, Conversation, EmailDelivery, Message, Source
from contactkit.inbox.submission import NotStored
from contactkit.pages.models import ReturnsPage
from contactkit.returns import requests
from tests.inbox.builders import use_private_storage
from tests.profile.builders import channel, profile_for

ENGLISH = "/returns/return-request/"
SPANISH = "/es/devoluciones/return-request/"


@pytest.fixture(autouse=True)
def clean_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path, monkeypatch):
    return use_private_storage(settings, tmp_path, monkeypatch)


@pytest.fixture
def returns_page(site):
    profile_for(site, trade_name="Cerámica Alba")
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    page = site.root_page.add_child(instance=ReturnsPage(title="Returns", slug="returns"))
    spanish = page.copy_for_translation(
        Locale.objects.get_or_create(language_code="es")[0], copy_parents=True
    )
    spanish.title, spanish.slug = "Devoluciones", "devoluciones"
    spanish.save_revision().publish()
    return page


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#8a3b24").save(buffer, format="PNG")
    return buffer.getvalue()


def form_data(**overrides):
    data = {
        "name": "Ana García",
        "email": "ana@example.com",
        "order_number": "CA-1001",
        "reason": "fault",
        "items": "1 × taza azul grande",
        "message": "El asa llegó rota.",
        "consent": "on",
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
        "submission_key": "r" * 32,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post(client, url=ENGLISH, language="en", **overrides):
    return client.post(url, form_data(**overrides), HTTP_ACCEPT_LANGUAGE=language)


def html_of(response):
    return BeautifulSoup(response.content, "html.parser")


def text_of(response):
    return " ".join(html_of(response).get_text(" ").split())


def in_spanish(text):
    with translation.override("es"):
        return gettext(text)


# The form


def test_the_returns_page_offers_the_form(client, returns_page):
    response = client.get(ENGLISH)
    assert response.status_code == 200
    html = html_of(response)
    assert html.find("h1").get_text(strip=True) == "Request a return or exchange"
    form = html.find("form", class_="ck-form")
    assert form["method"] == "post" and form["action"] == ENGLISH
    assert form["enctype"] == "multipart/form-data"
    names = {field.get("name") for field in form.find_all(["input", "select", "textarea"])}
    assert {"name", "email", "order_number", "reason", "items", "message", "attachments"} <= names
    assert {"consent", "csrfmiddlewaretoken", "started", "submission_key", "website"} <= names
    # Not asked: the topic is "return", and the answer goes by email.
    assert not names & {"topic", "phone"}
    for field in form.find_all(["input", "select", "textarea"]):
        if field.get("type") != "hidden" and field.get("name") != "website":
            assert form.find("label", attrs={"for": field["id"]}), field
        for described_by in (field.get("aria-describedby") or "").split():
            assert html.find(id=described_by), described_by
    reasons = [option["value"] for option in form.select("select[name=reason] option")]
    assert reasons == ["", "fault", "wrong_item", "exchange", "change_of_mind"]
    assert form.find("button", type="submit").get_text(strip=True) == "Send return request"


def test_the_form_points_to_the_withdrawal_button(client, returns_page):
    html = html_of(client.get(ENGLISH))
    link = html.find("a", string="Withdraw from contract here")
    assert link["href"] == "/returns/withdraw/"


def test_the_form_has_no_inline_style_or_script(client, returns_page):
    for response in [client.get(ENGLISH), post(client, email="")]:
        html = html_of(response)
        assert not html.select("[style]")
        assert html.find_all("style") == []
        assert [
            s
            for s in html.find_all("script")
            if not s.get("src") and s.get("type") != "application/ld+json"
        ] == []


# Sending it


def test_a_request_is_stored_as_a_return_with_the_reason_and_items(client, returns_page):
    response = post(client)

    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{ENGLISH}?sent={conversation.reference}"
    assert conversation.topic == "return"
    assert conversation.source == Source.FORM
    assert conversation.status == "new"
    assert (conversation.name, conversation.email) == ("Ana García", "ana@example.com")
    assert conversation.order_number == "CA-1001"
    assert conversation.language == "en"
    assert conversation.form_page_id == returns_page.pk
    assert conversation.consented_at is not None
    assert conversation.messages.get().body == (
        "Reason: It is faulty or damaged\n\nItems: 1 × taza azul grande\n\nEl asa llegó rota."
    )


def test_the_shopper_sees_the_reference_and_what_happens_next(client, returns_page):
    response = post(client)
    conversation = Conversation.objects.get()
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    text = text_of(page)
    assert "Thank you, we have your return request" in text
    assert conversation.reference in text
    assert "usually answers within a day" in text
    emailed = EmailDelivery.objects.filter(
        conversation=conversation, kind=EmailDelivery.Kind.CONFIRMATION
    ).exists()
    assert ("We have sent you an email with a copy of your request" in text) == emailed


def test_the_text_is_optional(client, returns_page):
    assert post(client, message="", reason="exchange", items="Camiseta M").status_code == 302
    assert Message.objects.get().body == (
        "Reason: I want to exchange it (another size or colour)\n\nItems: Camiseta M"
    )


def test_a_spanish_shopper_gets_it_in_spanish(client, returns_page):
    page = client.get(SPANISH, HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    html = html_of(page)
    assert html.find("html")["lang"] == "es"
    assert html.find("label", attrs={"for": "id_name"}).get_text(strip=True) == "Tu nombre"
    assert html.find("h1").get_text(strip=True) == in_spanish("Request a return or exchange")
    assert html.find("form")["action"] == SPANISH

    response = post(client, SPANISH, "es", reason="wrong_item")

    conversation = Conversation.objects.get()
    assert response["Location"] == f"{SPANISH}?sent={conversation.reference}"
    assert conversation.topic == "return"
    assert conversation.language == "es"
    reason = in_spanish("Reason: %(reason)s") % {"reason": in_spanish("I received the wrong item")}
    items = in_spanish("Items: %(items)s") % {"items": "1 × taza azul grande"}
    assert conversation.messages.get().body == f"{reason}\n\n{items}\n\nEl asa llegó rota."
    thanks = text_of(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="es"))
    assert "Tu referencia" in thanks and conversation.reference in thanks


def test_errors_are_in_spanish_for_a_spanish_shopper(client, returns_page):
    response = post(client, SPANISH, "es", consent=None, reason="")
    text = text_of(response)
    assert "Revisa estos campos:" in text
    assert "Necesitamos tu consentimiento" in text
    assert in_spanish("Choose why you want to return it.") in text
    assert not Conversation.objects.exists()


def test_photos_are_stored_with_the_request(client, returns_page, settings):
    photos = [
        SimpleUploadedFile("asa-rota.png", png_bytes(), content_type="image/png"),
        SimpleUploadedFile("caja.png", png_bytes(), content_type="image/png"),
    ]
    assert post(client, attachments=photos).status_code == 302
    attachments = Attachment.objects.order_by("name")
    assert [a.name for a in attachments] == ["asa-rota.png", "caja.png"]
    for attachment in attachments:
        assert attachment.message.conversation.topic == "return"
        assert attachment.content_type == "image/png"
        assert not attachment.quarantined
        assert not attachment.file.path.startswith(str(settings.MEDIA_ROOT))
        with attachment.file.open("rb") as stored:
            assert stored.read() == png_bytes()


# Bad input


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": ""}, "reason", "Choose why you want to return it."),
        ({"reason": "refund_please"}, "reason", "Select a valid choice."),
        ({"items": "  "}, "items", "Tell us which items you want to return."),
        (
            {"order_number": ""},
            "order_number",
            "Write your order number: it is in the email confirming your order.",
        ),
        ({"order_number": "CA-1\nBcc: x@example.com"}, "order_number", "Write this on one line."),
        ({"email": "ana@"}, "email", "Enter a valid email address."),
        ({"name": ""}, "name", "This field is required."),
        ({"consent": None}, "consent", "We need your consent to keep and answer your message."),
    ],
)
def test_bad_input_is_explained_and_the_text_kept(client, returns_page, overrides, field, message):
    response = post(client, **overrides)

    assert response.status_code == 200
    assert not Conversation.objects.exists()
    html = html_of(response)
    summary = html.find(id="ck-form-errors")
    assert summary["role"] == "alert"
    link = next(a for a in summary.find_all("a") if message in a.get_text())
    assert link["href"] == f"#id_{field}"
    assert html.find(id=f"id_{field}_error").get_text(strip=True).startswith(message[:20])
    # What the shopper wrote is still there.
    if field != "items":
        assert (
            html.find("textarea", attrs={"name": "items"}).get_text().strip()
            == "1 × taza azul grande"
        )


def test_a_file_that_is_no_photo_is_refused(client, returns_page):
    fake = SimpleUploadedFile("foto.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    response = post(client, attachments=fake)
    assert response.status_code == 200
    assert "“foto.jpg” is not a photo or a PDF we can open." in text_of(response)
    assert not Conversation.objects.exists()
    assert not Attachment.objects.exists()


def test_too_many_photos_are_refused(client, returns_page, settings):
    settings.CONTACTKIT_ATTACHMENT_MAX_COUNT = 1
    photos = [SimpleUploadedFile(f"f{i}.png", png_bytes()) for i in range(2)]
    assert "You can attach 1 file at most." in text_of(post(client, attachments=photos))
    assert not Conversation.objects.exists()


def test_a_double_submit_stores_one_conversation(client, returns_page):
    first = post(client)
    second = post(client)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_busy_database_keeps_the_text_and_says_so(client, returns_page, monkeypatch):
    def busy(*args, **kwargs):
        raise NotStored("database is locked")

    monkeypatch.setattr("contactkit.inbox.submission.receive", busy)
    response = post(client)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "please press “Send return request” again" in text_of(response)
    assert html_of(response).find("textarea", attrs={"name": "message"}).get_text().strip() == (
        "El asa llegó rota."
    )


def test_a_robot_is_kept_as_spam_and_never_told(client, returns_page):
    response = post(client, website="https://spam.example")
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.status == "spam" and conversation.spam_reason == "honeypot"
    assert conversation.topic == "return"
    assert not EmailDelivery.objects.exists()
    text = text_of(client.get(response["Location"]))
    assert "We have not sent you a confirmation email" in text


def test_someone_elses_reference_shows_nothing(client, returns_page):
    post(client)
    reference = Conversation.objects.get().reference
    other = client.__class__()
    response = other.get(f"{ENGLISH}?sent={reference}")
    assert response.status_code == 302 and response["Location"] == ENGLISH
    assert client.get(f"{ENGLISH}?sent=CK-0000-000000").status_code == 302


def test_only_get_and_post(client, returns_page):
    assert client.put(ENGLISH).status_code == 405


def test_the_form_is_the_contact_forms():
    """The same checks, limits and storage: a return request is a contact form."""
    from contactkit.inbox.forms import ContactForm

    assert issubclass(requests.ReturnRequestForm, ContactForm)
    form = requests.ReturnRequestForm(form_data())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["topic"] == "return"
