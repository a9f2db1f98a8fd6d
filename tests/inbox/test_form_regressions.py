"""What shoppers sent that once gave a 500 or was lost, and each Contact page's own form."""

import io
import secrets
import string
import struct
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from contactkit.inbox import submission
from contactkit.inbox.models import Attachment, Conversation, InboxSettings, Message
from contactkit.pages.models import ContactFormField, ContactPage
from tests.inbox.builders import use_private_storage
from tests.inbox.test_contact_form import clean_rate_limits, form_data  # noqa: F401
from tests.languages import in_language
from tests.profile.builders import channel, profile_for


@pytest.fixture
def storage(settings, tmp_path, monkeypatch):
    return use_private_storage(settings, tmp_path, monkeypatch)


@pytest.fixture
def contact_page(site, storage):
    profile_for(site, trade_name="Cerámica Alba")
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    return site.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))


def post(client, url, **overrides):
    return client.post(url, form_data(**overrides), HTTP_ACCEPT_LANGUAGE="en")


def text_of(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def files_on_disk(storage):
    root = Path(storage.location)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def empty_folders(storage):
    root = Path(storage.location)
    if not root.exists():
        return []
    return [path for path in root.rglob("*") if path.is_dir() and not any(path.iterdir())]


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "#8a3b24").save(buffer, format="JPEG")
    return buffer.getvalue()


def gif_claiming(width, height):
    """A tiny, valid-looking GIF whose header claims a ``width`` × ``height`` canvas."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
    image = b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return header + image + b";"


def png_claiming(width, height):
    """A PNG with only its header, claiming a ``width`` × ``height`` picture (a huge photo)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


# --- attachments -------------------------------------------------------------------------------


def test_a_photo_with_a_long_cjk_name_is_stored_with_its_full_name(client, contact_page, storage):
    name = "陶" * 84 + ".jpg"  # 252 bytes of UTF-8 before the extension: too long for a disk
    response = post(client, contact_page.url, attachments=SimpleUploadedFile(name, jpeg_bytes()))

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == name
    (stored,) = files_on_disk(storage)
    assert stored.read_bytes() == jpeg_bytes()
    assert len(stored.name.encode()) <= 100 and stored.suffix == ".jpg"
    assert empty_folders(storage) == []


@pytest.mark.parametrize(
    "content",
    [gif_claiming(65535, 65535), png_claiming(20_000, 10_000)],
    ids=["101-byte GIF claiming 4 gigapixels", "a 200-megapixel photo"],
)
def test_a_picture_too_big_to_open_is_a_form_error(client, contact_page, storage, content):
    response = post(client, contact_page.url, attachments=SimpleUploadedFile("foto.gif", content))

    assert response.status_code == 200
    assert "“foto.gif” is a picture too big to open" in text_of(response)
    assert not Conversation.objects.exists()
    assert files_on_disk(storage) == [] and empty_folders(storage) == []


def test_nothing_is_left_on_disk_when_storing_fails(client, contact_page, storage, monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Message.objects, "create", fail)
    upload = SimpleUploadedFile("taza.jpg", jpeg_bytes())
    response = post(client, contact_page.url, attachments=upload)

    assert not Conversation.objects.exists()
    assert files_on_disk(storage) == [] and empty_folders(storage) == []
    assert response.status_code == 503


# --- a busy database -----------------------------------------------------------------------------


def test_a_busy_database_gives_the_form_back_with_the_text(client, contact_page, monkeypatch):
    def locked(*args, **kwargs):
        raise submission.NotStored("database is locked")

    monkeypatch.setattr(submission, "_receive", locked)
    response = post(client, contact_page.url, message="Mi pedido llegó roto, ¿qué hago?")

    assert response.status_code == 503
    html = BeautifulSoup(response.content, "html.parser")
    summary = html.find(id="ck-form-errors").get_text(" ")
    assert "We could not store your message just now" in summary
    assert "Nothing was sent" in summary
    assert html.find("textarea", attrs={"name": "message"}).get_text().strip() == (
        "Mi pedido llegó roto, ¿qué hago?"
    )
    spanish = client.post(in_language(contact_page.url, "es"), form_data())
    assert "No hemos podido guardar tu mensaje" in text_of(spanish)


# --- the topic ---------------------------------------------------------------------------------


def test_the_topic_has_no_silent_default(client, contact_page):
    html = BeautifulSoup(client.get(contact_page.url).content, "html.parser")
    topic = html.find("select", attrs={"name": "topic"})
    first = topic.find("option")
    assert first["value"] == "" and first.has_attr("selected") or not topic.find(selected=True)

    response = post(client, contact_page.url, topic="")
    assert response.status_code == 200
    assert "Choose what your message is about." in text_of(response)
    assert not Conversation.objects.exists()


# --- a second contact page ---------------------------------------------------------------------


@pytest.fixture
def shops_page(site, contact_page):
    """A second contact page, for shop owners who want to sell in the shop, with its own
    required question."""
    page = site.root_page.add_child(
        instance=ContactPage(title="Vende con nosotros", slug="vende-con-nosotros")
    )
    ContactFormField.objects.create(
        page=page, label="Nombre de tu tienda", field_type="singleline", required=True
    )
    ContactFormField.objects.create(
        page=page,
        label="¿Qué vendes?",
        field_type="dropdown",
        choices="Cerámica\nTextil\nOtra cosa",
        required=True,
    )
    return page


def test_a_second_contact_page_keeps_its_own_questions_and_thanks(
    client, site, contact_page, shops_page, django_capture_on_commit_callbacks
):
    InboxSettings.objects.update_or_create(site=site, defaults={"notify_emails": "t@example.com"})
    form = BeautifulSoup(client.get(shops_page.url).content, "html.parser").find("form")
    assert form["action"] == shops_page.url
    assert form.find(attrs={"name": "extra_nombre_de_tu_tienda"}) is not None

    missing = post(client, shops_page.url)
    assert missing.status_code == 200 and not Conversation.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            shops_page.url,
            extra_nombre_de_tu_tienda="Barro y Fuego",
            extra_que_vendes="Textil",
        )

    assert response.status_code == 302
    assert response["Location"].startswith(shops_page.url)
    conversation = Conversation.objects.get()
    assert conversation.form_page.specific == shops_page
    assert conversation.extra_fields == {
        "Nombre de tu tienda": "Barro y Fuego",
        "¿Qué vendes?": "Textil",
    }
    assert [(q["label"], q["type"], q["choices"]) for q in conversation.form_definition] == [
        ("Nombre de tu tienda", "singleline", []),
        ("¿Qué vendes?", "dropdown", ["Cerámica", "Textil", "Otra cosa"]),
    ]
    notification = next(m for m in mail.outbox if m.to == ["t@example.com"])
    assert "Barro y Fuego" in notification.body and "Nombre de tu tienda" in notification.body


def test_later_edits_of_the_page_do_not_change_stored_answers(
    client, admin_client, contact_page, shops_page
):
    post(client, shops_page.url, extra_nombre_de_tu_tienda="Barro", extra_que_vendes="Textil")
    shops_page.form_fields.filter(label="¿Qué vendes?").update(label="Categoría", choices="A\nB")
    conversation = Conversation.objects.get()
    assert conversation.extra_fields["¿Qué vendes?"] == "Textil"
    detail = admin_client.get(f"/admin/contactkit/inbox/{conversation.pk}/")
    assert "¿Qué vendes?" in text_of(detail) and "Textil" in text_of(detail)


# --- hostile input -----------------------------------------------------------------------------

FIELDS = ["name", "email", "phone", "topic", "order_number", "message", "consent", "website"]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=string.printable + "\x00\x0b\x1b\x08\u202e\ufeff\ud7ff陶ñ", max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            '=HYPERLINK("x")',
            "<script>alert(1)</script>",
            "Ana\r\nBcc: x@example.com",
            "maria@peña.example",
            "josé@ejemplo.es",
            "a" * 6000,
            "product",
            "on",
            "+34 600 000 000",
            "'; DROP TABLE contactkit_conversation; --",
        ]
    ),
)
hostile_files = st.lists(
    st.tuples(
        # Any name a browser may send: a file's base name, never a path, in UTF-8 (so no lone
        # surrogates), with a printable character (Django drops a file whose name has none
        # before any form sees it).
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\x00"),
            max_size=120,
        ).filter(lambda name: any(char.isprintable() for char in name)),
        st.one_of(
            st.binary(max_size=200),
            st.just(b"%PDF-1.4 x"),
            st.just(gif_claiming(65535, 65535)),
        ),
    ),
    max_size=4,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=st.dictionaries(st.sampled_from(FIELDS), hostile_text),
    files=hostile_files,
)
def test_hostile_bodies_never_give_a_5xx_and_accepted_messages_are_whole(
    client, contact_page, fields, files
):
    # A fresh key each time: hypothesis replays examples, and a key seen before would be a
    # resubmission, which is tested on its own.
    key = secrets.token_hex(16)
    data = form_data(submission_key=key, **fields)
    uploads = [
        SimpleUploadedFile(name if name.strip(".") else "x", content) for name, content in files
    ]
    if uploads:
        data["attachments"] = uploads
    before = Conversation.objects.count()
    response = client.post(contact_page.url, data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code < 500
    if response.status_code == 302:
        conversation = Conversation.objects.get(submission_key=key)
        assert Conversation.objects.count() == before + 1
        assert conversation.messages.get().body == data["message"].strip()
        assert conversation.name == data["name"].strip()
        assert Attachment.objects.filter(message__conversation=conversation).count() == len(uploads)
    else:
        assert Conversation.objects.count() == before
