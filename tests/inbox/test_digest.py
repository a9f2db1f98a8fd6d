"""Staff get a short digest of what was held for review or put in spam, through real SMTP."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from contactkit.inbox.digest import send_digest, send_digest_task
from contactkit.inbox.models import Conversation, InboxSettings, Status
from tests.inbox.builders import conversation
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team(site):
    inbox = InboxSettings.for_site(site)
    inbox.notify_emails = "equipo@ceramica.example\nana@ceramica.example"
    inbox.save()
    return ["equipo@ceramica.example", "ana@ceramica.example"]


def set_aside(site):
    conversation(site, status=Status.HELD, spam_reason="rate_ip", email="a@example.com")
    conversation(site, status=Status.HELD, spam_reason="rate_session", email="b@example.com")
    conversation(site, status=Status.SPAM, spam_reason="honeypot", email="c@example.com")


def run():
    call_command("contactkit_digest", stdout=(out := io.StringIO()))
    return out.getvalue()


def test_staff_are_told_what_was_held_and_what_is_in_spam(site, team, smtp_mailer):
    set_aside(site)
    conversation(site, status=Status.NEW)
    output = run()
    assert "Sent the digest for 1 sites" in output
    [message] = smtp_mailer.messages
    assert set(smtp_mailer.envelopes[0].rcpt_tos) == set(team)
    assert "held for review" in message["Subject"]
    body = message.get_content()
    assert "2 messages held for review (2 waiting in all)" in body
    assert "1 message in the spam folder" in body
    assert "http://127.0.0.1:8000" + reverse("contactkit_inbox:held") in body
    assert "http://127.0.0.1:8000" + reverse("contactkit_inbox:spam") in body
    # No shopper's data travels in the digest.
    assert "a@example.com" not in body and "Ana García" not in body


def test_nothing_is_sent_when_there_is_nothing_to_tell(site, team, smtp_mailer):
    conversation(site, status=Status.NEW)
    conversation(site, status=Status.HELD, spam_reason="rate_ip", days_ago=3)
    Conversation.objects.update(updated_at=timezone.now() - dt.timedelta(days=3))
    assert "no digest sent" in run()
    assert smtp_mailer.messages == []


def test_a_second_digest_tells_only_what_is_new_since_the_first(site, team, smtp_mailer):
    set_aside(site)
    run()
    assert len(smtp_mailer.messages) == 1
    run()
    assert len(smtp_mailer.messages) == 1
    conversation(site, status=Status.SPAM, spam_reason="links:9")
    run()
    assert len(smtp_mailer.messages) == 2
    body = smtp_mailer.messages[1].get_content()
    assert "0 messages held for review (2 waiting in all)" in body
    assert "1 message in the spam folder" in body


def test_a_site_without_recipients_gets_no_digest(site, smtp_mailer):
    set_aside(site)
    assert send_digest() == []
    assert smtp_mailer.messages == []


def test_the_digest_is_a_task_too(site, team, smtp_mailer):
    set_aside(site)
    result = send_digest_task.enqueue()
    assert result.return_value == 1
    assert len(smtp_mailer.messages) == 1


def test_the_digest_is_in_the_sites_language(site, team, smtp_mailer, settings):
    settings.LANGUAGE_CODE = "es"
    set_aside(site)
    run()
    with translation.override("es"):
        expected = ngettext(
            "%(count)s message in the spam folder: %(url)s",
            "%(count)s messages in the spam folder: %(url)s",
            1,
        ) % {"count": 1, "url": ""}
    assert expected.strip() in smtp_mailer.messages[0].get_content()
