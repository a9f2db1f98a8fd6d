"""Whoever a conversation is assigned to is told by email, in their admin language, with what
they need to pick it up."""

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.users.models import UserProfile

from contactkit.inbox.emails import queue_assignment_email
from contactkit.inbox.models import EmailDelivery
from tests.inbox import builders
from tests.inbox.smtp import smtp_mailer_fixture, smtp_server_fixture  # noqa: F401
from tests.inbox.test_emails import (  # noqa: F401
    BODY,
    arrive_fixture,
    shop_fixture,
    subject,
    text,
    wagtail_root_fixture,
)

MARTA = "marta@ceramica.example"
LONG_MESSAGE = "La taza llegó rota. " * 40


@pytest.fixture
def staff(django_user_model):
    def staff(username, email, language=""):
        user = django_user_model.objects.create_user(
            username=username, email=email, first_name=username.title()
        )
        if language:
            UserProfile.objects.create(user=user, preferred_language=language)
        return user

    return staff


def assign(conversation, assignee, assigned_by, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            conversation.assignee = assignee
            conversation.save()
            return queue_assignment_email(conversation, assignee, assigned_by=assigned_by)


def in_language(language, conversation):
    with translation.override(language):
        topic = conversation.get_topic_display()
        return {
            "subject": gettext("[%(reference)s] Assigned to you: %(topic)s")
            % {"reference": conversation.reference, "topic": topic},
            "topic": topic,
            "intro": gettext("A conversation from %(name)s is now assigned to you.")
            % {"name": conversation.name},
        }


def test_the_assignee_is_emailed_in_their_admin_language(
    arrive, smtp_mailer, staff, django_capture_on_commit_callbacks
):
    conversation = arrive(topic="complaint", name="Ana García", language="en")
    marta = staff("marta", MARTA, language="es")
    boss = staff("jefa", "jefa@ceramica.example", language="en")
    delivery = assign(conversation, marta, boss, django_capture_on_commit_callbacks)

    [email] = smtp_mailer.to(MARTA)
    spanish = in_language("es", conversation)
    assert spanish["topic"] != in_language("en", conversation)["topic"]
    assert subject(email) == spanish["subject"]
    body = text(email)
    assert spanish["intro"] in body
    assert conversation.reference in body
    assert spanish["topic"] in body
    assert "Ana García" in body
    assert f"> {BODY}" in body
    try:
        path = reverse("contactkit_inbox:detail", args=[conversation.pk])
    except NoReverseMatch:
        path = None
    if path:
        assert f"http://127.0.0.1:8000{path}" in body
    assert email["Auto-Submitted"] == "auto-generated"
    # In staff's mail program it joins the thread of the notification.
    assert conversation.thread_message_id in email["References"]
    delivery.refresh_from_db()
    assert (delivery.kind, delivery.recipients, delivery.state) == (
        "assignment",
        [MARTA],
        "sent",
    )


def test_the_preview_is_short(shop, smtp_mailer, staff, django_capture_on_commit_callbacks):
    conversation = builders.conversation(shop, message=LONG_MESSAGE)
    assign(conversation, staff("marta", MARTA), None, django_capture_on_commit_callbacks)
    [email] = smtp_mailer.to(MARTA)
    body = text(email)
    assert "> La taza llegó rota." in body
    assert LONG_MESSAGE.strip() not in body
    assert len(body) < 1500


def test_without_a_preference_the_email_is_in_the_sites_language(
    arrive, smtp_mailer, staff, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "es"
    conversation = arrive(language="en")
    assign(conversation, staff("marta", MARTA), None, django_capture_on_commit_callbacks)
    [email] = smtp_mailer.to(MARTA)
    assert subject(email) == in_language("es", conversation)["subject"]


def test_nobody_is_emailed_for_assigning_themselves_or_without_an_address(
    arrive, smtp_mailer, staff, django_capture_on_commit_callbacks
):
    conversation = arrive()
    marta = staff("marta", MARTA)
    assert assign(conversation, marta, marta, django_capture_on_commit_callbacks) is None
    nobody = staff("luis", "")
    assert assign(conversation, nobody, marta, django_capture_on_commit_callbacks) is None
    assert not EmailDelivery.objects.filter(kind="assignment").exists()
    assert smtp_mailer.to(MARTA) == []


def test_an_assignment_rolled_back_sends_nothing(
    arrive, smtp_mailer, staff, django_capture_on_commit_callbacks
):
    conversation = arrive()
    marta = staff("marta", MARTA)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                queue_assignment_email(conversation, marta)
                raise RuntimeError("the assignment failed")
    assert not EmailDelivery.objects.filter(kind="assignment").exists()
    assert smtp_mailer.to(MARTA) == []
