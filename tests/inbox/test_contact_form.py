"""A shopper writes through the contact form: the message is stored first, whatever happens."""

import io
import time

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from PIL import Image

from contactkit.inbox import spam
from contactkit.inbox.models import Attachment, Conversation, EmailDelivery, Message
from contactkit.pages.models import ContactFormField, ContactPage
from tests.languages import in_language
from tests.profile.builders import channel, profile_for


@pytest.fixture(autouse=True)
def clean_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contact_page(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    profile_for(site, trade_name="Cerámica Alba")
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    return site.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#8a3b24").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def form_data(**overrides):
    data = {
        "name": "Ana García",
        "email": "ana@example.com",
        "phone": "",
        "topic": "product",
        "order_number": "",
        "message": "¿La taza grande cabe en el lavavajillas?",
        "consent": "on",
        "website": "",
        "started": spam.form_timestamp(time.time() - 60),
        "submission_key": "k" * 32,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post(client, page, **overrides):
    return client.post(page.url, form_data(**overrides), HTTP_ACCEPT_LANGUAGE="en")


def stored_files():
    import os

    location = Attachment._meta.get_field("file").storage.location

    return [name for _root, _dirs, files in os.walk(location) for name in files]


def test_the_contact_page_shows_the_form(client, contact_page):
    html = BeautifulSoup(client.get(contact_page.url).content, "html.parser")
    form = html.find("form", class_="ck-form")
    assert form["method"] == "post" and form["action"] == contact_page.url
    names = {field.get("name") for field in form.find_all(["input", "select", "textarea"])}
    assert {"name", "email", "phone", "topic", "order_number", "message", "attachments"} <= names
    assert {"consent", "csrfmiddlewaretoken", "started", "submission_key"} <= names
    for field in form.find_all(["input", "select", "textarea"]):
        if field.get("type") not in ("hidden",) and field.get("name") != "website":
            assert form.find("label", attrs={"for": field["id"]}), field


def test_a_message_is_stored_and_the_shopper_sees_the_reference(client, contact_page):
    response = post(client, contact_page)
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.reference.startswith("CK-20") and conversation.reference.endswith("000001")
    assert conversation.status == "new"
    assert conversation.messages.get().body == "¿La taza grande cabe en el lavavajillas?"
    thanks = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    text = " ".join(BeautifulSoup(thanks.content, "html.parser").get_text(" ").split())
    assert conversation.reference in text
    assert "usually answers within a day" in text


def test_references_count_up(client, contact_page):
    post(client, contact_page, submission_key="a" * 32)
    post(client, contact_page, submission_key="b" * 32, email="luis@example.com")
    assert sorted(c.reference[-6:] for c in Conversation.objects.all()) == ["000001", "000002"]


def test_a_double_clicked_submit_stores_one_conversation(client, contact_page):
    first = post(client, contact_page)
    second = post(client, contact_page)
    assert first.status_code == second.status_code == 302
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1


def test_the_thanks_page_without_a_message_goes_back_to_the_form(client, contact_page):
    response = client.get(contact_page.url + "thanks/")
    assert response.status_code == 302 and response["Location"] == contact_page.url


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "ana@"}, "email", "Enter a valid email address."),
        ({"phone": "12"}, "phone", "Enter a valid phone number"),
        ({"name": "Ana\r\nBcc: x@example.com"}, "name", "Write this on one line."),
        ({"order_number": "A1\nB2"}, "order_number", "Write this on one line."),
        ({"message": "x" * 5001}, "message", "Ensure this value has at most 5000 characters"),
        ({"name": "x" * 121}, "name", "Ensure this value has at most 120 characters"),
        ({"consent": None}, "consent", "We need your consent to keep and answer your message."),
        ({"topic": "nonsense"}, "topic", "Select a valid choice."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(
    client, contact_page, overrides, field, message
):
    response = post(client, contact_page, **overrides)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    summary = html.find(id="ck-form-errors")
    assert message in summary.get_text()
    assert html.find(attrs={"name": field}).get("aria-invalid") == "true" or field in (
        "topic",
        "phone",
        "message",
        "email",
        "name",
        "order_number",
    )
    assert not Conversation.objects.exists()


def test_errors_are_in_spanish_for_a_spanish_shopper(client, contact_page):
    response = client.post(in_language(contact_page.url, "es"), form_data(consent=None))
    assert "Necesitamos tu consentimiento" in response.content.decode()


def test_a_photo_is_kept_outside_public_media(client, contact_page, settings):
    response = post(client, contact_page, attachments=upload("taza.png", png_bytes()))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.name == "taza.png"
    path = attachment.file.path
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with open(path, "rb") as stored:
        assert stored.read() == png_bytes()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("notes.png", b"just text, not a picture")], "is not a photo or a PDF we can open"),
        ([("factura.jpg", b"%PDF-1.4 fake pdf")], "is named like another kind of file"),
        ([("script.pdf", b"<script>alert(1)</script>")], "is not a photo or a PDF we can open"),
        ([(f"f{i}.png", png_bytes()) for i in range(4)], "You can attach 3 files at most."),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(client, contact_page, files, message):
    response = post(client, contact_page, attachments=[upload(n, c) for n, c in files])
    assert response.status_code == 200
    assert message in BeautifulSoup(response.content, "html.parser").get_text()
    assert not Conversation.objects.exists()
    assert stored_files() == []


def test_a_file_too_large_is_refused(client, contact_page, settings):
    settings.CONTACTKIT_ATTACHMENT_MAX_SIZE = 50
    response = post(client, contact_page, attachments=upload("taza.png", png_bytes()))
    assert "each file can be at most 50" in response.content.decode()
    assert not Conversation.objects.exists()


def test_a_pdf_is_accepted(client, contact_page):
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    assert post(client, contact_page, attachments=upload("factura.pdf", pdf)).status_code == 302
    assert Attachment.objects.get().content_type == "application/pdf"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"website": "https://spam.example"}, "honeypot"),
        ({"started": "just now"}, "too_fast:0"),
        ({"started": "forged"}, "no_timestamp"),
        ({"message": " ".join(f"https://x{i}.example" for i in range(5))}, "links:5"),
    ],
)
def test_spam_is_kept_in_the_spam_folder_with_its_reason(client, contact_page, overrides, reason):
    if overrides.get("started") == "just now":
        overrides = {"started": spam.form_timestamp(time.time())}
    response = post(client, contact_page, **overrides)
    assert response.status_code == 302  # a robot learns nothing
    conversation = Conversation.objects.get()
    assert conversation.status == "spam"
    assert conversation.spam_reason == reason
    assert spam.describe(conversation.spam_reason)
    assert not EmailDelivery.objects.exists()


def test_too_many_messages_from_one_email_are_held_for_review(client, contact_page, settings):
    settings.CONTACTKIT_RATE_LIMIT_EMAIL = (2, 3600)
    for index in range(3):
        post(client, contact_page, submission_key=f"{index}" * 32)
    statuses = list(Conversation.objects.order_by("created_at").values_list("status", flat=True))
    assert statuses == ["new", "new", "held"]
    assert Conversation.objects.get(status="held").spam_reason == "rate_email"


def test_the_ip_address_is_never_stored_in_clear(client, contact_page, settings):
    client.post(contact_page.url, form_data(), REMOTE_ADDR="203.0.113.9")
    conversation = Conversation.objects.get()
    assert "203.0.113.9" not in conversation.ip_hash
    assert len(conversation.ip_hash) == 64
    settings.CONTACTKIT_STORE_IP = "none"
    post(client, contact_page, submission_key="z" * 32)
    assert Conversation.objects.order_by("-pk").first().ip_hash == ""


def test_editors_extra_questions_are_asked_and_kept(client, contact_page):
    ContactFormField.objects.create(
        page=contact_page, label="Color favorito", field_type="singleline", required=True
    )
    html = client.get(contact_page.url).content.decode()
    assert "Color favorito" in html
    response = post(client, contact_page, extra_color_favorito="Azul cobalto")
    assert response.status_code == 302
    assert Conversation.objects.get().extra_fields == {"Color favorito": "Azul cobalto"}
