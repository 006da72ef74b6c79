"""Full-text search structures, per database: FTS5 on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS desk_ticket_fts USING fts5("
            "subject, body, tokenize='unicode61 remove_diacritics 2')"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS ticket_search_gin ON desk_ticket USING gin (search_vector)"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS desk_ticket_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ticket_search_gin")


class Migration(migrations.Migration):
    dependencies = [("desk", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
