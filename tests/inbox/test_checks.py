"""The inbox's system checks: what they warn about, and that docs/install.md explains each."""

import re
from pathlib import Path

import pytest
from django.db import connection

from contactkit.inbox.checks import check_sqlite_concurrency

ROOT = Path(__file__).resolve().parents[2]


def test_every_inbox_check_is_documented():
    guide = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    source = (ROOT / "contactkit" / "inbox" / "checks.py").read_text()
    ids = sorted(set(re.findall(r"contactkit\.[EW]\d{3}", source)))
    assert ids == ["contactkit.E008", "contactkit.W007", "contactkit.W008"]
    for check_id in ids:
        assert f"`{check_id}`" in guide, check_id


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a check of SQLite databases")
def test_sqlite_without_immediate_transactions_is_warned_about(monkeypatch):
    assert check_sqlite_concurrency(databases=["default"]) == []

    options = {k: v for k, v in connection.settings_dict["OPTIONS"].items()}
    options.pop("transaction_mode")
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    (warning,) = check_sqlite_concurrency(databases=["default"])
    assert warning.id == "contactkit.W007"
    assert "database is locked" in warning.msg


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL needs nothing special")
def test_postgresql_needs_no_warning():
    assert check_sqlite_concurrency(databases=["default"]) == []
