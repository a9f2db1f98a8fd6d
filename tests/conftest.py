"""Fixtures shared by the whole suite: a site with a home page, a logged-in editor."""

import pytest
from wagtail.models import Page, Site
from wagtail.users.models import UserProfile

from demoshop.home.models import HomePage


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: figures cached by one test (reply times, limits)
    never leak into the next."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def site(db):
    """The default site, rooted at a demo HomePage."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Tienda", slug="tienda"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.hostname = "testserver"
    site.port = 80
    site.save()
    return site


def log_in_owner(client, django_user_model, language):
    user = django_user_model.objects.create_superuser(
        username=f"owner-{language}", email="owner@example.com", password="x"
    )
    UserProfile.get_for_user(user)
    UserProfile.objects.filter(user=user).update(preferred_language=language)
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client, django_user_model, site):
    """A shop owner logged in to the Wagtail admin, which they use in English."""
    return log_in_owner(client, django_user_model, "en")


@pytest.fixture
def spanish_admin_client(client, django_user_model, site):
    """A shop owner logged in to the Wagtail admin, which they use in Spanish."""
    return log_in_owner(client, django_user_model, "es")


@pytest.fixture
def back_to_latest_migrations():
    """For a test that migrates the database back to test a data migration: afterwards the
    database is migrated forward to the latest migrations again, so the tests after it find
    every table and column (serialized_rollback restores rows, not the schema)."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
