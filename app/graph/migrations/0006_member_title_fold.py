"""PostgreSQL: close (trigram) matching on books' titles only; other titles match as a whole.

The title trigram GIN was about 120 of the 164 s of PostgreSQL CPU that a 5-million-row
YouTube index cost to import. Close matching is for what people type as names: book
titles, authors, creators and channel names (the author trigram GIN stays on every
kind). A video's, page's or image's title is matched as a whole instead, its case,
spaces and punctuation folded (`graph_title_fold`, the one home of that rule), through
a btree on a 64-bit hash of the folded title: about 15 s of CPU for 5 million titles
against 120 s (bench/README.md, "Title indexes").

Both are partial indexes of the partitioned parent: every version's partition gets
both, and a partition without rows of a kind builds an empty one (one scan). Creating
them here builds them on the partitions already attached. SQLite: nothing (it scans).
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION graph_title_fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT lower(regexp_replace($1, '[^[:alnum:]]+', '', 'g')) $$;
DROP INDEX IF EXISTS graph_member_title_trgm;
CREATE INDEX graph_member_title_trgm ON graph_datasetmember
  USING gin (title gin_trgm_ops) WHERE title <> '' AND kind = 'book';
CREATE INDEX graph_member_title_fold ON graph_datasetmember
  (hashtextextended(graph_title_fold(title), 0)) WHERE title <> '' AND kind <> 'book';
"""

BACKWARD = r"""
DROP INDEX IF EXISTS graph_member_title_fold;
DROP INDEX IF EXISTS graph_member_title_trgm;
DROP FUNCTION IF EXISTS graph_title_fold(text);
CREATE INDEX graph_member_title_trgm ON graph_datasetmember
  USING gin (title gin_trgm_ops) WHERE title <> '';
"""


def _run(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("graph", "0005_member_partitions")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
