"""Where a version's member rows live: its own partition on PostgreSQL, rows elsewhere.

On PostgreSQL ``graph_datasetmember`` is partitioned by version (LIST,
migration 0005). An import:

1. `prepare` creates the version's table ``graph_datasetmember_v<id>`` like the
   parent, with no index and a ``CHECK (version_id = <id>)``, unattached: the
   lookup, which reads the parent, cannot see it;
2. COPYs the rows into it (`app.graph.importer`);
3. `build` creates its indexes from the parent's own definitions (so that
   ATTACH finds them and builds nothing), then ANALYZEs it;
4. `attach` makes it a partition, in the transaction that marks the version
   done: the CHECK proves the partition bound, so nothing is scanned.

A failed, swept or deleted version is one `drop` (``DROP TABLE``), attached or
not. On SQLite (and any other database) the table is a plain one: `prepare`,
`build` and `attach` do nothing and `drop` deletes the version's rows.
"""

from __future__ import annotations

import re

from django.db import connection

PARENT = "graph_datasetmember"
# PostgreSQL memory for one index build (the importer's RSS is not affected).
BUILD_MEMORY = "256MB"


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def table_for(version_id: int) -> str:
    """The name of the version's own table (PostgreSQL)."""
    return f"{PARENT}_v{int(version_id)}"


def prepare(version_id: int) -> str:
    """A fresh, empty, unattached table for the version's rows; its name (the parent elsewhere)."""
    if not partitioned():
        return PARENT
    table = table_for(version_id)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TABLE {table} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
            f"CONSTRAINT {table}_version CHECK (version_id = {int(version_id)}))"
        )
    return table


def _index_definitions(table: str) -> list[str]:
    """The parent's index definitions, rewritten for ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
            "ORDER BY i.relname",
            [PARENT],
        )
        rows = cursor.fetchall()
    out = []
    for name, definition in rows:
        head = re.match(r"CREATE (UNIQUE )?INDEX \S+ ON ONLY (\S+) ", definition)
        if head is None:
            raise RuntimeError(f"unexpected index definition: {definition}")
        body = definition[head.end() :]
        unique = head.group(1) or ""
        out.append(f"CREATE {unique}INDEX {table}_{name.removeprefix('graph_')} ON {table} {body}")
    return out


def build(version_id: int) -> None:
    """Create the loaded table's indexes (as the parent has them) and its statistics."""
    if not partitioned():
        return
    table = table_for(version_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        try:
            for statement in _index_definitions(table):
                cursor.execute(statement)
            cursor.execute(f"ANALYZE {table}")
        finally:
            cursor.execute("RESET maintenance_work_mem")


def attach(version_id: int) -> None:
    """Make the built table a partition: call inside the transaction that marks it done."""
    if not partitioned():
        return
    table = table_for(version_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {PARENT} ATTACH PARTITION {table} FOR VALUES IN ({int(version_id)})"
        )


def drop(version_id: int) -> None:
    """Remove every row of the version: its table on PostgreSQL (attached or not)."""
    with connection.cursor() as cursor:
        if partitioned():
            cursor.execute(f"DROP TABLE IF EXISTS {table_for(version_id)}")
        else:
            cursor.execute(f"DELETE FROM {PARENT} WHERE version_id = %s", [int(version_id)])  # noqa: S608
