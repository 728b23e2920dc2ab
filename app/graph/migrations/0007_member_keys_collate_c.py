"""PostgreSQL: the member keys (``key``, ``channel_id``, ``host``) in the "C" collation.

These columns are normalized keys (`app.lib.keys`), only ever compared for equality
(`app.graph.lookup`'s exact queries; nothing orders or ranges over them), and equality
is byte equality in any deterministic collation: answers are unchanged. What changes
is the cost of their btrees: under the database's default collation (``C.UTF-8`` from
libc here) every comparison of a build's sort is a ``strcoll`` and abbreviated keys are
off; in "C" they are ``memcmp`` with abbreviated keys (bench/README.md, "The index
phase" of helper A2). The partitions an import creates copy the parent's columns,
collation included (``CREATE TABLE ... LIKE``, `app.graph.members`), as ATTACH requires;
the indexes follow their column's collation. Titles, authors and captions keep the
database's collation: their folding and trigrams depend on its character classes.

Existing partitions' key, channel and host indexes are rebuilt (the rows are not
rewritten). SQLite: nothing (it has no "C" collation; it compares bytes anyway).
"""

from django.db import migrations

COLUMNS = (("key", 2000), ("channel_id", 120), ("host", 255))

FORWARD = "ALTER TABLE graph_datasetmember " + ", ".join(
    f'ALTER COLUMN {name} TYPE varchar({size}) COLLATE "C"' for name, size in COLUMNS
)
BACKWARD = "ALTER TABLE graph_datasetmember " + ", ".join(
    f'ALTER COLUMN {name} TYPE varchar({size}) COLLATE "default"' for name, size in COLUMNS
)


def _run(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("graph", "0006_member_title_fold")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
