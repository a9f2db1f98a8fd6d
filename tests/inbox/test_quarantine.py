"""Files: a quota per address, a capped quarantine for held and spam messages, a short retention.

A flood of files can never fill the disk, and nothing a shopper wrote is lost on the way: the
form explains what it refuses, and what is stored without its files says so to staff.
"""

import datetime as dt
import io
import os
import uuid

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from contactkit.inbox import quarantine, spam
from contactkit.inbox.models import Attachment, Conversation, Message, Status
from tests.inbox import test_contact_form
from tests.inbox.builders import attach, conversation, first_message

# The contact form's fixtures and helpers (autouse: every test starts with no counts).
clean_rate_limits = test_contact_form.clean_rate_limits
contact_page = test_contact_form.contact_page
form_data = test_contact_form.form_data
upload = test_contact_form.upload


QUOTA_ERROR = (
    "You have sent many files in the last hour. Send your message without files, or try again "
    "later."
)


def pdf(size):
    """A valid PDF of exactly ``size`` bytes."""
    head = b"%PDF-1.4\n"
    return head + b"%" * (size - len(head))


def send(page, *, address="203.0.113.9", files=(), client=None, **data):
    client = client or Client()
    data.setdefault("submission_key", uuid.uuid4().hex)
    data.setdefault("email", f"{uuid.uuid4().hex[:8]}@example.com")
    if files:
        data["attachments"] = [upload(f"f{index}.pdf", content) for index, content in files]
    return client.post(page.url, form_data(**data), REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def bytes_on_disk():
    location = Attachment._meta.get_field("file").storage.location
    return sum(
        os.path.getsize(os.path.join(root, name))
        for root, _dirs, names in os.walk(location)
        for name in names
    )


def three(size):
    return [(index, pdf(size)) for index in range(3)]


@pytest.fixture
def small_files(settings):
    settings.CONTACTKIT_ATTACHMENT_MAX_SIZE = 10_000
    settings.CONTACTKIT_ATTACHMENT_QUOTA_IP = (60_000, 3600)
    settings.CONTACTKIT_QUARANTINE_MAX_BYTES = 80_000


def test_over_the_quota_the_form_explains_and_keeps_the_text(contact_page, small_files):
    assert send(contact_page, files=three(10_000)).status_code == 302
    assert send(contact_page, files=three(10_000)).status_code == 302
    response = send(contact_page, files=three(10_000), message="La taza llegó rota, ¿qué hago?")
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert QUOTA_ERROR in html.get_text(" ")
    assert response.context["form"].errors["attachments"] == [QUOTA_ERROR]
    assert html.find("textarea", attrs={"name": "message"}).get_text().strip() == (
        "La taza llegó rota, ¿qué hago?"
    )
    assert Conversation.objects.count() == 2
    # Without the files, the message goes through.
    assert send(contact_page, message="La taza llegó rota, ¿qué hago?").status_code == 302
    assert Conversation.objects.count() == 3


def test_the_quota_is_per_address(contact_page, small_files):
    for _index in range(2):
        send(contact_page, files=three(10_000))
    assert send(contact_page, address="198.51.100.7", files=three(10_000)).status_code == 302


def test_a_flood_of_files_from_one_address_stays_within_its_quota(contact_page, small_files):
    answers = []
    for index in range(25):
        response = send(contact_page, files=three(10_000), message=f"Mensaje número {index}")
        answers.append(response.status_code)
        if response.status_code == 200:
            assert QUOTA_ERROR in response.content.decode()
            assert f"Mensaje número {index}" in response.content.decode()
    assert set(answers) == {302, 200}
    # Every message was either stored or answered with the reason, its text kept.
    assert Conversation.objects.count() == answers.count(302)
    assert bytes_on_disk() <= 60_000


def test_a_flood_of_spam_from_many_addresses_stays_within_the_quarantine(contact_page, small_files):
    for index in range(20):
        response = send(
            contact_page,
            address=f"198.51.100.{index + 1}",
            files=three(10_000),
            website="https://spam.example",
        )
        assert response.status_code == 302
    assert Conversation.objects.filter(status=Status.SPAM).count() == 20
    assert bytes_on_disk() <= 80_000
    assert quarantine.quarantined_bytes() <= 80_000
    assert not Attachment.objects.filter(quarantined=False).exists()


def test_a_message_stored_without_its_files_says_so_to_staff(contact_page, settings):
    settings.CONTACTKIT_QUARANTINE_MAX_BYTES = 1_000
    send(contact_page, files=[(0, pdf(600))], website="https://spam.example")
    send(contact_page, files=[(0, pdf(600)), (1, pdf(600))], website="https://spam.example")
    first, second = Conversation.objects.order_by("pk")
    assert first.messages.get(kind=Message.Kind.SHOPPER).attachments.get().quarantined
    assert second.spam_reason == "honeypot files_not_kept:2"
    assert "2 files were not kept: the quarantine for held and spam messages is full." in (
        spam.describe(second.spam_reason)
    )
    note = second.messages.get(kind=Message.Kind.NOTE)
    assert note.author is None
    assert "2 files (1.2\xa0KB) that were not kept" in note.body
    assert not Attachment.objects.filter(message__conversation=second).exists()
    # The shopper's text is kept all the same.
    assert second.messages.get(kind=Message.Kind.SHOPPER).body == form_data()["message"]


def test_files_of_a_held_message_are_quarantined(contact_page, settings):
    settings.CONTACTKIT_RATE_LIMIT_IP = (1, 600)
    send(contact_page, files=[(0, pdf(600))])
    send(contact_page, files=[(0, pdf(600))])
    kept, held = Conversation.objects.order_by("pk")
    assert held.status == Status.HELD
    assert not Attachment.objects.get(message__conversation=kept).quarantined
    assert Attachment.objects.get(message__conversation=held).quarantined


def test_releasing_a_conversation_takes_its_files_out_of_quarantine(site, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    held = conversation(site, status=Status.HELD, spam_reason="rate_ip")
    other = conversation(site, status=Status.HELD, spam_reason="rate_ip")
    attachment = attach(first_message(held))
    elsewhere = attach(first_message(other))
    Attachment.objects.update(quarantined=True)
    assert quarantine.release_attachments(held) == 1
    attachment.refresh_from_db()
    elsewhere.refresh_from_db()
    assert not attachment.quarantined and elsewhere.quarantined


def test_purge_deletes_quarantined_files_after_the_retention_and_keeps_the_record(
    site, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    old_spam = conversation(site, status=Status.SPAM, spam_reason="honeypot", days_ago=8)
    recent_spam = conversation(site, status=Status.SPAM, spam_reason="honeypot", days_ago=2)
    old_kept = conversation(site, status=Status.NEW, days_ago=30)
    doomed = attach(first_message(old_spam))
    recent = attach(first_message(recent_spam))
    kept = attach(first_message(old_kept))
    Attachment.objects.filter(pk__in=[doomed.pk, recent.pk]).update(quarantined=True)
    Attachment.objects.filter(pk=doomed.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    Attachment.objects.filter(pk=kept.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    path = doomed.file.path

    with django_capture_on_commit_callbacks(execute=True):
        call_command("contactkit_purge", stdout=(out := io.StringIO()))

    assert "Deleted 1 quarantined files" in out.getvalue()
    assert not os.path.exists(path)
    doomed.refresh_from_db()
    assert doomed.purged_at is not None and doomed.file.name == ""
    assert doomed.name == "factura.pdf"  # the record stays
    assert os.path.exists(recent.file.path) and os.path.exists(kept.file.path)
    assert Conversation.objects.count() == 3
    # A purged file no longer counts against the quarantine.
    assert quarantine.quarantined_bytes() == recent.size


def test_the_quarantine_retention_is_a_setting(site, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.CONTACTKIT_QUARANTINE_DAYS = 1
    spam_conversation = conversation(site, status=Status.SPAM, spam_reason="honeypot")
    attachment = attach(first_message(spam_conversation))
    Attachment.objects.update(quarantined=True, created_at=timezone.now() - dt.timedelta(days=2))
    call_command("contactkit_purge", dry_run=True, stdout=(out := io.StringIO()))
    assert "Would delete 1 quarantined files" in out.getvalue()
    attachment.refresh_from_db()
    assert attachment.purged_at is None
