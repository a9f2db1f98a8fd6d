"""A shopper's data is handed over or erased on request, and nothing is kept past retention."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contactkit.inbox import privacy
from contactkit.inbox.models import Attachment, Conversation, EmailDelivery, Message, Status
from tests.inbox.builders import (
    attach,
    conversation,
    delivery,
    first_message,
    note,
    staff_user,
    use_private_storage,
)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path, monkeypatch):
    return use_private_storage(settings, tmp_path, monkeypatch)


@pytest.fixture
def ana(site):
    """Two conversations of Ana's (one with a file, a note and an email) and one of Luis's."""
    first = conversation(site, email="ana@example.com", message="¿Tenéis la taza en azul?")
    attach(first_message(first), name="foto.jpg", content=b"jpeg", content_type="image/jpeg")
    note(first, "Clienta habitual")
    delivery(first, sent_at=timezone.now(), state=EmailDelivery.State.SENT)
    second = conversation(
        site, email="ANA@example.com", message="Quiero devolverla", status=Status.CLOSED
    )
    luis = conversation(
        site, name="Luis Pérez", email="luis@example.com", message="Secreto de Luis"
    )
    attach(first_message(luis), name="luis.pdf")
    return first, second, luis


def privacy_url(name="privacy"):
    return reverse(f"contactkit_inbox:{name}")


def refused(response):
    """Wagtail answers a refused admin page with a 403, or (pages) a redirect to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


def stored(attachment):
    return Path(attachment.file.path).exists()


def test_export_holds_everything_stored_for_the_address_and_nothing_else(ana):
    first, second, _luis = ana

    data = privacy.export_for_email(" Ana@Example.com ")

    json.dumps(data)  # ready for a JSON file as it is
    assert [c["reference"] for c in data["conversations"]] == [first.reference, second.reference]
    exported = data["conversations"][0]
    assert exported["name"] == "Ana García" and exported["email"] == "ana@example.com"
    assert [m["body"] for m in exported["messages"]] == [
        "¿Tenéis la taza en azul?",
        "Clienta habitual",
    ]
    assert [m["kind"] for m in exported["messages"]] == ["shopper", "note"]
    assert exported["messages"][0]["attachments"] == [
        {"name": "foto.jpg", "type": "image/jpeg", "size": 4}
    ]
    assert exported["emails"][0]["state"] == "sent"
    assert "Luis" not in json.dumps(data)


def test_staff_download_the_export_as_a_json_file(admin_client, ana):
    response = admin_client.post(privacy_url(), {"email": "ana@example.com", "action": "export"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        'attachment; filename="contactkit-anaexamplecom.json"'
    )
    data = json.loads(response.content)
    assert len(data["conversations"]) == 2
    assert "luis" not in response.content.decode().lower()


def test_the_privacy_page_is_prefilled_from_a_conversation(admin_client, ana):
    first, _second, _luis = ana
    detail = admin_client.get(reverse("contactkit_inbox:detail", args=[first.pk])).content.decode()
    link = privacy_url() + "?email=ana%40example.com"
    assert link in detail
    assert 'value="ana@example.com"' in admin_client.get(link).content.decode()


def test_erasing_asks_first_then_removes_rows_and_files(
    admin_client, ana, django_capture_on_commit_callbacks
):
    first, second, luis = ana
    anas_file = Attachment.objects.get(message__conversation=first)
    luis_file = Attachment.objects.get(message__conversation=luis)

    confirm = admin_client.post(privacy_url(), {"email": "ana@example.com", "action": "erase"})

    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert first.reference in text and second.reference in text
    assert "2 conversations" in text and "3 messages" in text and "1 attached file" in text
    assert Conversation.objects.count() == 3  # nothing is erased before confirming

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(privacy_url("privacy_erase"), {"email": "ana@example.com"})

    assert response.status_code == 302
    assert list(Conversation.objects.all()) == [luis]
    assert not Message.objects.exclude(conversation=luis).exists()
    assert not EmailDelivery.objects.exists()
    assert list(Attachment.objects.all()) == [luis_file]
    assert not stored(anas_file)
    assert stored(luis_file)
    # Files sit side by side in a monthly folder: nothing of Ana's is left beside Luis's.
    folder = Path(anas_file.file.path).parent
    assert [entry.name for entry in folder.iterdir()] == [Path(luis_file.file.path).name]


def test_erase_for_email_counts_what_it_removed(ana, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        counts = privacy.erase_for_email("ANA@example.com")
    assert counts == {"conversations": 2, "messages": 3, "attachments": 1, "deliveries": 1}


def test_erasing_needs_the_delete_permission(client, ana):
    client.force_login(staff_user("view_conversation", "reply_conversation"))
    page = client.get(privacy_url()).content.decode()
    assert 'value="erase"' not in page
    assert refused(client.post(privacy_url(), {"email": "ana@example.com", "action": "erase"}))
    assert refused(client.post(privacy_url("privacy_erase"), {"email": "ana@example.com"}))
    assert Conversation.objects.count() == 3
    # Exporting only needs to see the inbox.
    exported = client.post(privacy_url(), {"email": "ana@example.com", "action": "export"})
    assert exported.status_code == 200


def test_a_wrong_address_is_explained(admin_client, ana):
    response = admin_client.post(privacy_url(), {"email": "not an email", "action": "export"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_the_erase_confirmation_escapes_what_shoppers_typed(admin_client, site):
    conversation(site, name="<script>alert(1)</script>", email="x@example.com")
    text = admin_client.post(
        privacy_url(), {"email": "x@example.com", "action": "erase"}
    ).content.decode()
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text


# Retention


@pytest.fixture
def aged(site):
    """Conversations of every age and status, the oldest closed one with a file."""
    now = timezone.now()

    def closed(days, **fields):
        made = conversation(site, status=Status.CLOSED, days_ago=days + 1, **fields)
        made.closed_at = now - dt.timedelta(days=days)
        made.save()
        return made

    old = closed(40)
    file = attach(first_message(old))
    return {
        "old": old,
        "file": file,
        "recent": closed(10),
        "open": conversation(site, status=Status.OPEN, days_ago=100),
        "waiting": conversation(site, status=Status.WAITING, days_ago=100),
        "spam": conversation(site, status=Status.SPAM, spam_reason="honeypot", days_ago=40),
        "new_spam": conversation(site, status=Status.SPAM, spam_reason="honeypot", days_ago=1),
    }


def test_purge_deletes_closed_conversations_past_retention_with_their_files(
    aged, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("contactkit_purge", days=30, stdout=(out := io.StringIO()))

    kept = set(Conversation.objects.values_list("pk", flat=True))
    assert kept == {aged[key].pk for key in ("recent", "open", "waiting", "new_spam")}
    assert not stored(aged["file"])
    assert "Deleted 2 conversations older than 30 days" in out.getvalue()


def test_purge_reads_the_retention_setting(aged, settings):
    settings.CONTACTKIT_RETENTION_DAYS = 5
    call_command("contactkit_purge", stdout=io.StringIO())
    assert set(Conversation.objects.values_list("status", flat=True)) == {
        Status.OPEN,
        Status.WAITING,
        Status.SPAM,
    }


def test_purge_keeps_everything_without_a_retention_setting(aged):
    call_command("contactkit_purge", stdout=(out := io.StringIO()))
    assert Conversation.objects.count() == 6
    assert "not set" in out.getvalue()


def test_a_dry_run_only_counts(aged):
    call_command("contactkit_purge", days=30, dry_run=True, stdout=(out := io.StringIO()))
    assert Conversation.objects.count() == 6
    assert "Would delete 2 conversations" in out.getvalue()


def test_a_closed_conversation_without_a_closing_date_counts_from_its_last_change(site):
    made = conversation(site, status=Status.CLOSED)
    Conversation.objects.filter(pk=made.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=31)
    )
    assert list(privacy.purgeable(30)) == [made]
    assert list(privacy.purgeable(40)) == []
