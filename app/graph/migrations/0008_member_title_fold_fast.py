"""PostgreSQL: `graph_title_fold` skips its regexp replacement for titles of ASCII letters,
digits and spaces only.

The rule is unchanged (0006: drop every character that is not a letter or digit, then
lower-case): when a title holds nothing but ASCII letters, digits and spaces, dropping
the spaces from its lower-cased text gives the same string (in any collation, an ASCII
letter lowers to one character that is no space, whatever its neighbours), and one regexp match (``~``) tells which
titles those are, instead of a replacement pass per run of punctuation. Any other
title takes the first definition's path. The
replacement was most of the folded-title index's build (bench/README.md, "Title
indexes"; "The index phase", helper A2). Since every title folds as before, the
indexes built with the first definition stay valid: nothing is rebuilt.
SQLite: nothing (it has no such function).
"""

from django.db import migrations

FAST = r"""
CREATE OR REPLACE FUNCTION graph_title_fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN $1 ~ '[^0-9A-Za-z ]'
                    THEN lower(regexp_replace($1, '[^[:alnum:]]+', '', 'g'))
                    ELSE replace(lower($1), ' ', '') END $$;
"""

FIRST = r"""
CREATE OR REPLACE FUNCTION graph_title_fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT lower(regexp_replace($1, '[^[:alnum:]]+', '', 'g')) $$;
"""


def _run(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("graph", "0007_member_keys_collate_c")]

    operations = [migrations.RunPython(_run(FAST), _run(FIRST))]
