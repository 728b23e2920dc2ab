"""Trigram GIN indexes on members' titles and authors (PostgreSQL; pg_trgm as in public 0002).

Partial (non-empty values only), so a YouTube index without titles costs no
GIN upkeep. Lookups add ``title <> ''`` so the planner can use them. On SQLite
nothing here runs and close matches fall back to a bounded LIKE scan.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FORWARD = r"""
CREATE INDEX graph_member_title_trgm ON graph_datasetmember
  USING gin (title gin_trgm_ops) WHERE title <> '';
CREATE INDEX graph_member_author_trgm ON graph_datasetmember
  USING gin (author gin_trgm_ops) WHERE author <> '';
"""

BACKWARD = r"""
DROP INDEX IF EXISTS graph_member_title_trgm;
DROP INDEX IF EXISTS graph_member_author_trgm;
"""


def _run(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("graph", "0001_relations_and_dataset_indexes")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
