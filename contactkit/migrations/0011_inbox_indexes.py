"""Indexes for an inbox of 100,000 conversations (bench/inbox.py; docs/benchmarks.md).

On every database: newest first within a status (the status filter, the spam and held folders,
their counts) and within a source (which sources a folder offers), the shopper's name (the
listing sorted by name), and the time of the first answer (reply times).

On PostgreSQL only, the search's trigram indexes: a GIN index (pg_trgm's ``gin_trgm_ops``) on
``UPPER(column)`` of the conversation's reference, name, email and order number and of each
message's text. The inbox searches with Django's ``icontains``, which PostgreSQL runs as
``UPPER(column::text) LIKE UPPER('%word%')``: these indexes answer exactly that expression, so
the search finds what it found before, only without reading every row.

They need the pg_trgm extension. This migration creates it if it is missing, which takes a
superuser or, since PostgreSQL 13 (pg_trgm is a trusted extension), the owner of the database.
If the database user may not, the migration logs a warning and goes on without those indexes:
the search still finds the same conversations, by reading every row (at 100,000 conversations
0.4 to 0.7 s a search instead of 0.05 to 0.3 s). To add them later, have a superuser run
``CREATE EXTENSION pg_trgm;`` in the shop's database, then, for each line of
``TRIGRAM_INDEXES`` below, ``CREATE INDEX CONCURRENTLY <index> ON <table> USING gin
(UPPER(<column>) gin_trgm_ops);`` (and ``ANALYZE contactkit_conversation, contactkit_message;``).

The trigram indexes are built with CREATE INDEX CONCURRENTLY (so this migration runs outside a
transaction): shoppers' messages keep being stored while they are built (the whole migration
took 22 s for 100,000 conversations and 270,000 messages on two busy cores; 73 MB of indexes,
45 MB of them the messages' trigrams).
"""

import logging

from django.db import DatabaseError, migrations, models, transaction

logger = logging.getLogger(__name__)

# (index, table, column): what the inbox's search looks in.
TRIGRAM_INDEXES = [
    ("ck_conv_reference_trgm", "contactkit_conversation", "reference"),
    ("ck_conv_name_trgm", "contactkit_conversation", "name"),
    ("ck_conv_email_trgm", "contactkit_conversation", "email"),
    ("ck_conv_order_number_trgm", "contactkit_conversation", "order_number"),
    ("ck_message_body_trgm", "contactkit_message", "body"),
]


def has_pg_trgm(cursor):
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    return cursor.fetchone() is not None


def create_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        if not has_pg_trgm(cursor):
            try:
                # Its own transaction (or a savepoint), so a refusal leaves nothing broken.
                with transaction.atomic(using=connection.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DatabaseError as error:
                logger.warning(
                    "contactkit: the inbox's search indexes were not made, because the "
                    "pg_trgm extension could not be created (%s). The search works, more "
                    "slowly. See contactkit/migrations/0011_inbox_indexes.py to add them.",
                    str(error).strip(),
                )
                return
        # Inside a transaction (a test migrating back and forth) an index cannot be built
        # concurrently; there is nobody to keep waiting there anyway.
        concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
        for name, table, column in TRIGRAM_INDEXES:
            # A concurrent build that was interrupted leaves an invalid index behind, which
            # IF NOT EXISTS would keep: drop it and build it again.
            cursor.execute(
                "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid "
                "WHERE pg_class.relname = %s AND NOT pg_index.indisvalid",
                [name],
            )
            if cursor.fetchone():
                cursor.execute(f"DROP INDEX {concurrently}IF EXISTS {quote(name)}")
            cursor.execute(
                f"CREATE INDEX {concurrently}IF NOT EXISTS {quote(name)} ON {quote(table)} "
                f"USING gin (UPPER({quote(column)}) gin_trgm_ops)"
            )
        # The planner knows an indexed expression's values only once the table is analysed:
        # until autovacuum gets to it, it would guess how many rows a word matches.
        for table in sorted({table for _name, table, _column in TRIGRAM_INDEXES}):
            cursor.execute(f"ANALYZE {quote(table)}")


def drop_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, _table, _column in TRIGRAM_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
    # pg_trgm stays: other apps of the database may use it.


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction.
    atomic = False

    dependencies = [("contactkit", "0010_launcher_and_chat")]

    operations = [
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["status", "-created_at"], name="ck_conv_status_created"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["source", "-created_at"], name="ck_conv_source_created"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["name"], name="ck_conv_name"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["first_response_at"], name="ck_conv_first_response"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
