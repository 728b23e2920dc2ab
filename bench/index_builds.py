"""CPU of each index build of one loaded member partition, one statement at a time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trainedon_a2 \\
        .venv/bin/python bench/index_builds.py [--table graph_datasetmember_v1] [--repeat 2]

Runs on a database where `bench/lookup.py --import-only` left a partition (the largest
one by default). Each statement is a CREATE INDEX on a copy-free probe name with the
import's build settings (`app.graph.members.BUILD_SETTINGS`: no parallel workers), timed
in wall seconds and in the backend's CPU seconds from /proc, then dropped. The
statements: the partition's own index definitions (as the parent has them), and the
variants compared in bench/README.md ("The index phase", helper A2). Prints the load
average before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import psycopg

DB_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/trainedon_a2")
SETTINGS = (("maintenance_work_mem", "512MB"), ("max_parallel_maintenance_workers", "0"))
FOLD_REGEXP = "lower(regexp_replace(title, '[^[:alnum:]]+', '', 'g'))"
FOLD_FAST = (
    f"CASE WHEN title ~ '[^0-9A-Za-z ]' THEN {FOLD_REGEXP} ELSE replace(lower(title), ' ', '') END"
)
VARIANTS = {
    "key, default collation": '(key COLLATE "default")',
    "key, C": '(key COLLATE "C")',
    "channel, default collation": "(channel_id COLLATE \"default\") WHERE NOT channel_id = ''",
    "channel, C": "(channel_id COLLATE \"C\") WHERE NOT channel_id = ''",
    "host (empty for videos)": "(host) WHERE NOT host = ''",
    "folded title, regexp only (0006)": f"(hashtextextended({FOLD_REGEXP}, 0)) "
    "WHERE title <> '' AND kind <> 'book'",
    "folded title, ASCII path without regexp (0008)": f"(hashtextextended({FOLD_FAST}, 0)) "
    "WHERE title <> '' AND kind <> 'book'",
    "folded title, graph_title_fold (as installed)": "(hashtextextended(graph_title_fold(title), 0))"
    " WHERE title <> '' AND kind <> 'book'",
    "hash of lower(title) (no folding, reference)": "(hashtextextended(lower(title), 0)) "
    "WHERE title <> '' AND kind <> 'book'",
    "title trigrams of books (empty for videos)": "USING gin (title gin_trgm_ops) "
    "WHERE title <> '' AND kind = 'book'",
    "author trigrams (empty when no author)": "USING gin (author gin_trgm_ops) WHERE author <> ''",
}


def cpu(conn: psycopg.Connection) -> float:
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--table", default="")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="", help="variants whose label contains this")
    args = parser.parse_args()
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        largest = conn.execute(
            "SELECT relname FROM pg_class WHERE relname ~ '^graph_datasetmember_v[0-9]+$' "
            "ORDER BY pg_relation_size(oid) DESC LIMIT 1"
        ).fetchone()
        table = args.table or largest[0]  # type: ignore[index]
        rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        for name, value in SETTINGS:
            conn.execute(f"SET {name} = '{value}'")
        print(f"{table}: {rows:,} rows; load average {os.getloadavg()}", flush=True)
        for label, body in VARIANTS.items():
            if args.only and args.only not in label:
                continue
            for _ in range(args.repeat):
                c0, w0 = cpu(conn), time.monotonic()
                conn.execute(f"CREATE INDEX a2_probe ON {table} {body}")
                c1, w1 = cpu(conn), time.monotonic()
                conn.execute("DROP INDEX a2_probe")
                print(f"  {label:48} CPU {c1 - c0:6.2f} s  wall {w1 - w0:6.2f} s  "
                      f"(load {os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
