"""A covering index for the search leg over archived texts.

That leg finds the sources whose archived text matches, then the published
evidence citing them: with only the plain ``source_id`` index each of those
evidence rows was a random heap read (bench/web, a term in half the texts:
118 ms for 1,000 rows). With ``claim_id`` included, PostgreSQL answers from the
index alone. SQLite has no INCLUDE: there it is a plain partial index on both
columns, which covers the query just as well.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

NAME = "catalog_evidence_published_source_claim"


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        columns = "(source_id) INCLUDE (claim_id)"
    else:
        columns = "(source_id, claim_id)"
    schema_editor.execute(
        f"CREATE INDEX {NAME} ON catalog_evidence {columns} WHERE state = 'published'"
    )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(f"DROP INDEX {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("public", "0003_evidence_kind_index"),
        ("catalog", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
