"""Migrating a shop that already has conversations: each gets its own reply token and thread
key, its first responder, and its messages say how they came (on SQLite and PostgreSQL)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("contactkit", "0006_withdrawals")]
AFTER = [("contactkit", "0008_unique_reply_token")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("back_to_latest_migrations")
def test_existing_conversations_get_tokens_and_first_responders():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Site = old.get_model("wagtailcore", "Site")
    User = old.get_model("auth", "User")
    Conversation = old.get_model("contactkit", "Conversation")
    Message = old.get_model("contactkit", "Message")
    site = Site.objects.get(is_default_site=True)
    marta = User.objects.create(username="marta-0007")
    now = timezone.now()
    answered = Conversation.objects.create(
        site=site,
        reference="CK-2026-900001",
        topic="other",
        name="Ana",
        email="ana@example.com",
        source="withdrawal",
        first_response_at=now,
    )
    Message.objects.create(conversation=answered, kind="shopper", body="Desisto")
    Message.objects.create(
        conversation=answered,
        kind="reply",
        author=marta,
        body="Recibido",
        created_at=now + dt.timedelta(minutes=1),
    )
    waiting = Conversation.objects.create(
        site=site, reference="CK-2026-900002", topic="other", name="Luis", email="l@example.com"
    )
    Message.objects.create(conversation=waiting, kind="shopper", body="Hola")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Conversation = new.get_model("contactkit", "Conversation")
    Message = new.get_model("contactkit", "Message")
    answered = Conversation.objects.get(reference="CK-2026-900001")
    waiting = Conversation.objects.get(reference="CK-2026-900002")

    assert answered.reply_token != waiting.reply_token
    assert len(answered.reply_token) == 20
    assert answered.thread_key != waiting.thread_key
    assert answered.first_response_by_id == marta.pk
    assert waiting.first_response_by_id is None
    vias = dict(Message.objects.filter(conversation=answered).values_list("kind", "via"))
    assert vias == {"shopper": "withdrawal", "reply": "admin"}
    assert Message.objects.get(conversation=waiting).via == "form"
