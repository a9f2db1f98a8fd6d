"""Limits hold a shopper's message back for review, never hide it, and count the real shopper.

The shopper over a limit is told the truth on the thank-you page; shoppers behind the shop's
proxy are counted each by their own address; a resubmitted form counts like a new message.
"""

import uuid

import pytest
from bs4 import BeautifulSoup
from django.core import checks
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.translation import gettext

from contactkit.inbox import limits
from contactkit.inbox.models import Conversation, EmailDelivery, Message
from tests.inbox import test_contact_form
from tests.languages import in_language

# The contact form's fixtures and helpers (autouse: every test starts with no counts).
clean_rate_limits = test_contact_form.clean_rate_limits
contact_page = test_contact_form.contact_page
form_data = test_contact_form.form_data


HELD_STORED = (
    "Your message is stored under this reference. A person from the team will review it "
    "before anyone answers."
)
NO_EMAIL = "We have not sent you a confirmation email, so do not wait for one."
EMAIL_SENT = "We have sent you an email with a copy of your message and this reference."


def send(page, *, client=None, address="203.0.113.9", forwarded=None, language="en", **data):
    """Post the contact form as a shopper (a new browser unless ``client`` is given)."""
    client = client or Client()
    data.setdefault("submission_key", uuid.uuid4().hex)
    data.setdefault("email", f"{uuid.uuid4().hex[:8]}@example.com")
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post(in_language(page.url, language), form_data(**data), **extra)
    return client, response


def page_text(client, response, language="en"):
    assert response.status_code == 302, response.content.decode()[:500]
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    return " ".join(BeautifulSoup(thanks.content, "html.parser").get_text(" ").split())


def statuses():
    return list(Conversation.objects.order_by("pk").values_list("status", flat=True))


@pytest.fixture
def five_per_address(settings):
    settings.CONTACTKIT_RATE_LIMIT_IP = (5, 600)


def test_the_sixth_message_from_one_connection_is_held_for_review_not_spam(
    contact_page, five_per_address
):
    for _index in range(6):
        send(contact_page, address="198.51.100.20")
    assert statuses() == ["new"] * 5 + ["held"]
    held = Conversation.objects.get(status="held")
    assert held.spam_reason == "rate_ip"
    assert held.messages.get().body == form_data()["message"]
    # Nobody is emailed about a held message: staff decide first.
    assert not EmailDelivery.objects.filter(conversation=held).exists()
    assert EmailDelivery.objects.filter(kind="confirmation").count() == 5


def test_a_held_shopper_is_told_the_truth_in_english(contact_page, five_per_address):
    for _index in range(5):
        send(contact_page, address="198.51.100.20")
    client, response = send(contact_page, address="198.51.100.20")
    text = page_text(client, response)
    assert Conversation.objects.get(status="held").reference in text
    assert HELD_STORED in text
    assert NO_EMAIL in text
    assert "sent you an email" not in text
    assert "look in your spam folder" not in text


def test_a_held_shopper_is_told_the_truth_in_spanish(contact_page, five_per_address):
    for _index in range(5):
        send(contact_page, address="198.51.100.20", language="es")
    client, response = send(contact_page, address="198.51.100.20", language="es")
    text = page_text(client, response, "es")
    assert "Gracias, hemos recibido tu mensaje" in text
    assert Conversation.objects.get(status="held").reference in text
    with translation.override("es"):
        assert gettext(HELD_STORED) in text
        assert gettext(NO_EMAIL) in text
    assert "Te hemos enviado un correo" not in text
    assert "mira en tu carpeta de spam" not in text


def test_a_shopper_whose_message_was_sent_is_told_so(contact_page):
    client, response = send(contact_page)
    text = page_text(client, response)
    assert EMAIL_SENT in text
    assert NO_EMAIL not in text


@pytest.mark.parametrize("overrides", [{"website": "https://x.example"}, {"started": "forged"}])
def test_a_shopper_caught_by_a_spam_check_is_not_told_an_email_was_sent(contact_page, overrides):
    client, response = send(contact_page, **overrides)
    assert Conversation.objects.get().status == "spam"
    text = page_text(client, response)
    assert "sent you an email" not in text
    assert NO_EMAIL in text
    client, response = send(contact_page, language="es", **overrides)
    assert "Te hemos enviado un correo" not in page_text(client, response, "es")


def test_shoppers_behind_the_shops_proxy_are_counted_each_on_their_own(
    contact_page, five_per_address, settings
):
    settings.CONTACTKIT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    for index in range(8):
        send(contact_page, address="10.0.0.5", forwarded=f"198.51.100.{index + 1}")
    assert statuses() == ["new"] * 8
    # One of them writing again and again is still held at the sixth.
    for _index in range(6):
        send(contact_page, address="10.0.0.5", forwarded="192.0.2.33, 10.0.0.9")
    assert statuses()[8:] == ["new"] * 5 + ["held"]


def test_a_forged_forwarded_for_does_not_escape_the_limit(contact_page, five_per_address, settings):
    settings.CONTACTKIT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # Straight from the internet: the header is the sender's own words.
    for index in range(6):
        send(contact_page, address="203.0.113.50", forwarded=f"198.51.100.{index + 1}")
    # Through the proxy: whatever the sender wrote left of the proxy's entry is ignored.
    for index in range(6):
        send(contact_page, address="10.0.0.5", forwarded=f"192.0.2.{index + 1}, 198.51.100.77")
    assert statuses() == (["new"] * 5 + ["held"]) * 2


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.5", "192.0.2.1, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        ("10.0.0.5", "not-an-address, 10.0.0.9", "10.0.0.9"),
        ("10.0.0.5", "10.0.0.8, 10.0.0.9", "10.0.0.8"),
        ("::ffff:10.0.0.5", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_shoppers_address_is_the_right_most_one_not_trusted(
    settings, remote, forwarded, expected
):
    settings.CONTACTKIT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().post("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert limits.client_address(request) == expected


def test_without_trusted_proxies_the_header_is_never_read(settings):
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert limits.client_address(request) == "10.0.0.5"


def test_one_ipv6_connection_is_counted_as_one_whatever_address_it_picks(
    contact_page, five_per_address
):
    for index in range(6):
        send(contact_page, address=f"2001:db8:1:2::{index + 1:x}")
    assert statuses() == ["new"] * 5 + ["held"]


def test_one_browser_is_held_at_the_sixth_message_whatever_its_address_and_email(contact_page):
    client = Client()
    for index in range(6):
        send(contact_page, client=client, address=f"198.51.100.{index + 1}")
    assert statuses() == ["new"] * 5 + ["held"]
    assert Conversation.objects.get(status="held").spam_reason == "rate_session"


def test_a_resubmitted_form_counts_against_the_limits(contact_page, settings):
    settings.CONTACTKIT_RATE_LIMIT_EMAIL = (2, 3600)
    client = Client()
    key = uuid.uuid4().hex
    for text in ["Primera versión", "Segunda versión", "Tercera versión"]:
        _client, response = send(
            contact_page, client=client, submission_key=key, email="ana@example.com", message=text
        )
        assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.messages.filter(kind=Message.Kind.SHOPPER).count() == 3
    assert conversation.status == "held"
    assert conversation.spam_reason == "rate_email"
    text = page_text(client, response)
    assert NO_EMAIL in text and "sent you an email" not in text


def test_the_limits_hold_with_a_cache_shared_between_processes(contact_page, settings):
    settings.CONTACTKIT_RATE_LIMIT_IP = (3, 600)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "contactkit_test_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    for _index in range(4):
        send(contact_page, address="198.51.100.20")
    assert statuses() == ["new"] * 3 + ["held"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM contactkit_test_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("contactkit:limit:ip:" in key for key in keys)


def test_the_deploy_check_warns_when_limits_are_per_process(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    found = checks.run_checks(include_deployment_checks=True)
    assert [message.id for message in found if message.id == "contactkit.W008"] == [
        "contactkit.W008"
    ]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "x"}
    }
    found = checks.run_checks(include_deployment_checks=True)
    assert not [message for message in found if message.id == "contactkit.W008"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONTACTKIT_RATE_LIMIT_IP", 5),
        ("CONTACTKIT_RATE_LIMIT_SESSION", (0, 600)),
        ("CONTACTKIT_ATTACHMENT_QUOTA_IP", "25MB"),
        ("CONTACTKIT_QUARANTINE_MAX_BYTES", -1),
        ("CONTACTKIT_QUARANTINE_DAYS", None),
        ("CONTACTKIT_TRUSTED_PROXIES", ["10.0.0.0/8", "proxy.internal"]),
        ("CONTACTKIT_TRUSTED_PROXIES", "10.0.0.1"),
    ],
)
def test_bad_limit_settings_are_reported(settings, name, value):
    setattr(settings, name, value)
    found = [message for message in checks.run_checks() if message.id == "contactkit.E008"]
    assert len(found) == 1
    assert name in found[0].msg


def test_the_default_limit_settings_pass_the_checks():
    assert not [message for message in checks.run_checks() if message.id == "contactkit.E008"]
