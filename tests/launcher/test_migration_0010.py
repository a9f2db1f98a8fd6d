"""Chat channels made before contactkit had its own chat were links to another chat: after the
migration they still are, and still show."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("contactkit", "0009_index_email_message_id")]
AFTER = [("contactkit", "0010_launcher_and_chat")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("back_to_latest_migrations")
def test_existing_chat_channels_become_links():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Site = old.get_model("wagtailcore", "Site")
    ContactChannel = old.get_model("contactkit", "ContactChannel")
    site = Site.objects.get(is_default_site=True)
    ContactChannel.objects.create(site=site, kind="chat", url="https://chat.example/", sort_order=0)
    ContactChannel.objects.create(site=site, kind="email", email="a@example.com", sort_order=1)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    ContactChannel = new.get_model("contactkit", "ContactChannel")
    providers = dict(ContactChannel.objects.values_list("kind", "chat_provider"))
    assert providers == {"chat": "link", "email": ""}
