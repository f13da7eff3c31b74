"""Trigram indexes for the site search on PostgreSQL.

The search matches each word as a case-insensitive regular expression (`opennrm.portal.search`). Without an index
PostgreSQL reads every published text for a word that is in none of them; pg_trgm's GIN indexes answer such regular
expressions, letter classes included, from the index. SQLite (development, tests) has no such index and scans.
pg_trgm is a trusted extension: the owner of the database may create it. Going back drops the indexes and leaves
the extension, which something else may use.
"""

from django.db import migrations

COLUMNS = ("title", "summary", "body")


def _is_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def create_indexes(apps, schema_editor):
    if not _is_postgresql(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS portal_tr_{column}_trgm "  # noqa: S608 - names from the constant above
            f"ON portal_contenttranslation USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if not _is_postgresql(schema_editor):
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS portal_tr_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
