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
`build` and `attach` do nothing, and `prepare` and `drop` delete the version's rows.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path

from django.db import connection

log = logging.getLogger(__name__)

PARENT = "graph_datasetmember"
# PostgreSQL memory for one index build (the importer's RSS is not affected).
BUILD_MEMORY = "512MB"
# No parallel workers inside a build: two connections already build two indexes at once
# (`build`), which is what two cores take; and so the backends' CPU is all the build's.
BUILD_SETTINGS = (("maintenance_work_mem", BUILD_MEMORY), ("max_parallel_maintenance_workers", "0"))


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def table_for(version_id: int) -> str:
    """The name of the version's own table (PostgreSQL)."""
    return f"{PARENT}_v{int(version_id)}"


def prepare(version_id: int) -> str:
    """A fresh, empty, unattached table for the version's rows; its name (the parent elsewhere)."""
    if not partitioned():
        drop(version_id)  # a crashed run's rows
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


def _run_builds(queue: list[str], lock: threading.Lock) -> None:
    """Build indexes from the shared queue (first come, first built) until it is empty."""
    with connection.cursor() as cursor:
        for name, value in BUILD_SETTINGS:
            cursor.execute(f"SET {name} = '{value}'")
        try:
            while True:
                with lock:
                    if not queue:
                        break
                    statement = queue.pop(0)
                started = time.monotonic()
                cursor.execute(statement)
                log.debug("%.2f s (%s): %s", time.monotonic() - started,
                          threading.current_thread().name, statement)  # fmt: skip
        finally:
            for name, _value in BUILD_SETTINGS:
                cursor.execute(f"RESET {name}")


def backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far, when it runs on this
    machine and /proc shows it; None otherwise (for the import's report and the bench)."""
    if not partitioned():
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


# CPU seconds of the helper connections' backends (index builds), for the import's report.
helper_cpu = 0.0


def _build_in_thread(queue: list[str], lock: threading.Lock, errors: list[BaseException]) -> None:
    global helper_cpu
    try:
        _run_builds(queue, lock)
        helper_cpu += backend_cpu() or 0.0
    except BaseException as exc:  # handed to the caller's thread, which raises it
        with lock:
            queue.clear()  # the caller stops after its current build
        errors.append(exc)
    finally:
        connection.close()


def _cost(statement: str) -> int:
    """Which builds go first: GINs (the slowest) before btrees, titles before the rest,
    and among the other btrees ``key`` (the one never partial, so never empty) first."""
    if " USING gin " in statement:
        return 0 if "(title" in statement else 1
    if "(title" in statement:
        return 2
    return 4 if " WHERE " in statement else 3


def build(version_id: int) -> None:
    """Create the loaded table's indexes (as the parent has them) and its statistics.

    Two connections take the builds from one queue, the slowest first, so two cores
    share the work whatever the partition holds (a book list's title and author GINs,
    a video list's key and channel btrees). The table is committed, so both
    connections see it. Inside a transaction (tests) everything runs on this connection.
    """
    if not partitioned():
        return
    table = table_for(version_id)
    queue = sorted(_index_definitions(table), key=_cost)
    lock = threading.Lock()
    if connection.in_atomic_block or len(queue) < 2:
        _run_builds(queue, lock)
    else:
        errors: list[BaseException] = []
        helper = threading.Thread(target=_build_in_thread, args=(queue, lock, errors))
        helper.start()
        try:
            _run_builds(queue, lock)
        except BaseException:
            with lock:
                queue.clear()  # the helper stops after its current build
            raise
        finally:
            helper.join()
        if errors:
            raise errors[0]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


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
