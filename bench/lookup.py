"""Dataset indexes at scale: import throughput and memory, lookup latency (issue 12).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trainedon_lookup \\
        .venv/bin/python bench/lookup.py [--rows 10000000] [--skip-import] [--duration 20] [--repeat 3]
        [--import-only] [--only bench-youtube-a,...]
    .venv/bin/python bench/lookup.py --sqlite --rows 1000000     # how far SQLite goes

1. Generates six index files (streamed to disk; CSV, JSON Lines and Parquet)
   whose sizes follow the issue: half the rows one YouTube index, 2 % books,
   30 % URLs, the rest images, a second video index and pages.
2. Imports each with the real path, ``manage.py import_dataset_index`` in its
   own process (archive the file, stream, normalize, COPY into the version's
   own table, indexes built after the load, attached as a partition), into a
   database dropped first, and prints rows/s, the COPY and index times, the
   process's peak RSS (``wait4``) and the CPU of the importer and of its
   PostgreSQL backends (a shared machine stretches wall time, not CPU).
3. Publishes claims linking every dataset to a model, then serves the site with
   gunicorn at production settings (DEBUG off; the lookup is never cached) and
   drives, open loop at a fixed rate, exact lookups (ISBN, video, URL, a
   different key each request) at 100 req/s and fuzzy title/author lookups at
   20 req/s, beside /healthz (the trivial view) at the same rates, in
   ``--repeat`` alternating rounds. Latency is counted from each request's due
   time. EXPLAIN ANALYZE of both member
   queries is printed.

Prints the load average before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DB_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/trainedon_lookup")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7")
GUNICORN = os.environ.get("BENCH_GUNICORN", "--workers 2 --threads 4")

# name, share of the rows, format, kind
INDEXES = [
    ("bench-youtube-a", 0.50, "csv", "video"),
    ("bench-books", 0.02, "jsonl", "book"),
    ("bench-urls", 0.30, "csv", "page"),
    ("bench-images", 0.08, "parquet", "image"),
    ("bench-youtube-b", 0.05, "jsonl", "video"),
    ("bench-pages", 0.05, "csv", "page"),
]


def log(message: str) -> None:
    print(message, flush=True)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def words(rng: random.Random, n: int) -> str:
    """Made-up words of random letters: a trigram spread closer to real titles than a few
    syllables (a 24-syllable vocabulary put most titles in every trigram's posting list)."""
    return " ".join(
        "".join(rng.choices(LETTERS, k=rng.randint(3, 9))) for _ in range(n)
    ).capitalize()


def video_id(seed: str, n: int) -> str:
    digest = hashlib.blake2b(f"{seed}{n}".encode(), digest_size=9).digest()
    return base64.urlsafe_b64encode(digest).decode()[:11]


def isbn_for(n: int) -> str:
    body = f"978{n:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def row(kind: str, name: str, n: int, rng: random.Random) -> dict[str, str]:
    if kind == "video":
        channel = "UC" + hashlib.md5(f"ch{n % 50000}".encode()).hexdigest()[:22]
        return {"video_id": video_id(name, n), "channel_id": channel,
                "title": words(rng, rng.randint(3, 7))}  # fmt: skip
    if kind == "book":
        return {"isbn": isbn_for(n), "title": words(rng, rng.randint(2, 6)),
                "author": words(rng, 2)}  # fmt: skip
    if kind == "image":
        return {"url": f"https://img{n % 997}.example.com/{n}.jpg", "caption": words(rng, 5)}
    return {"url": f"https://site{n % 20011}.example.org/{name}/page/{n}?ref={n % 7}"}


def generate(path: Path, name: str, kind: str, fmt: str, rows: int) -> None:
    rng = random.Random(name)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        for start in range(0, rows, 100_000):
            batch = [row(kind, name, n, rng) for n in range(start, min(rows, start + 100_000))]
            table = pa.Table.from_pylist(batch)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
        if writer:
            writer.close()
        return
    with path.open("w", encoding="utf-8") as out:
        first = row(kind, name, 0, rng)
        if fmt == "csv":
            out.write(",".join(first) + "\n")
        for n in range(rows):
            record = row(kind, name, n, rng) if n else first
            if fmt == "csv":
                out.write(",".join(record.values()) + "\n")
            else:
                out.write(json.dumps(record) + "\n")


def run(cmd: list[str], env: dict[str, str]) -> tuple[str, float, int, float]:
    """Run a command; its output, wall seconds, peak RSS in MB and CPU seconds (user + system).

    The CPU seconds are the importer's own (reading, normalizing, COPY framing), not
    PostgreSQL's work on the rows and indexes: on a shared machine they say what the
    import would cost with a core to itself.
    """
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{cmd} failed: {out}")
    cpu = usage.ru_utime + usage.ru_stime
    return out, time.monotonic() - started, usage.ru_maxrss // 1024, cpu


def ensure_database(fresh: bool) -> None:
    """The bench's own database; ``fresh``: dropped first (an import run starts empty)."""
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def import_all(
    total: int, env: dict[str, str], workdir: Path, only: set[str] | None = None
) -> list[dict[str, Any]]:
    results = []
    for name, share, fmt, kind in INDEXES:
        if only and name not in only:
            continue
        rows = max(1000, int(total * share))
        path = workdir / f"{name}.{fmt}"
        started = time.monotonic()
        generate(path, name, kind, fmt, rows)
        made = time.monotonic() - started
        cmd = [PYTHON, "manage.py", "import_dataset_index", name, str(path), "--create",
               name.replace("-", " ").title(), "--kind", kind, "--source-url",
               f"https://bench.example/{name}/index.{fmt}", "-v", "0"]  # fmt: skip
        out, seconds, rss, cpu = run(cmd, env)
        imported = int(re.search(r"(\d+) rows imported", out).group(1))  # type: ignore[union-attr]
        split = re.search(r"load ([\d.]+) s, indexes ([\d.]+) s(?:, database server CPU ([\d.]+) s)?",
                          out)  # fmt: skip
        load_s, index_s = (float(split.group(1)), float(split.group(2))) if split else (0.0, 0.0)
        server_cpu = float(split.group(3)) if split and split.group(3) else 0.0
        size = path.stat().st_size
        path.unlink()
        result = {"index": name, "format": fmt, "rows": imported, "MB": size / 1e6,
                  "generate_s": made, "import_s": seconds, "rows_per_s": imported / seconds,
                  "peak_rss_MB": rss, "cpu_s": cpu, "load_s": load_s, "index_s": index_s,
                  "server_cpu_s": server_cpu}  # fmt: skip
        results.append(result)
        log(f"  {name:16} {fmt:8} {imported:>10,} rows {size / 1e6:8.1f} MB  "
            f"{seconds:7.1f} s  {imported / seconds:>9,.0f} rows/s  peak RSS {rss} MB  "
            f"(rows written in {load_s:.1f} s, indexes {index_s:.1f} s)  importer CPU {cpu:.1f} s, "
            f"PostgreSQL CPU {server_cpu:.1f} s  (load {load()})")  # fmt: skip
    return results


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # Production settings for the in-process requests (the lookup is never cached anyway).
    os.environ.update(DEBUG="0", SECRET_KEY="bench-" + "x" * 60, ALLOWED_HOSTS="testserver",
                      SITE_URL="https://bench.invalid", SECURE_SSL_REDIRECT="0",
                      RATELIMIT_ENABLE="0")  # fmt: skip
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def publish_relations() -> None:
    """One published use claim per dataset (idempotent), so lookups walk to models."""
    from django.utils import timezone

    from app.catalog.choices import EntityKind, PublicationState, Strength, Verdict
    from app.catalog.models import Claim, Entity
    from app.graph.models import Attribution, RelationKind
    from app.graph.services import relation_add

    model, _ = Entity.objects.get_or_create(
        slug="bench-model", defaults={"name": "Bench Model", "kind": EntityKind.MODEL}
    )
    for name, *_rest in INDEXES:
        dataset = Entity.objects.get(slug=name)
        claim, _ = Claim.objects.get_or_create(
            slug=f"bench-model-used-{name}",
            defaults={"statement": f"Bench Model was trained on {dataset.name}.",
                      "verdict": Verdict.SUPPORTED, "evidence_strength": Strength.MODERATE,
                      "state": PublicationState.PUBLISHED, "published_at": timezone.now()},
        )  # fmt: skip
        relation_add(claim=claim, kind=RelationKind.USE, upstream=dataset, downstream=model,
                     actor=None, attribution=Attribution.ALLEGED)  # fmt: skip


def sample_queries(total: int) -> tuple[list[str], list[str]]:
    """Exact keys spread over the indexes (present and absent), fuzzy titles and authors."""
    rng = random.Random(7)
    exact: list[str] = []
    for i in range(300):
        name, share, _fmt, kind = INDEXES[i % len(INDEXES)]
        rows = max(1000, int(total * share))
        n = rng.randrange(rows * 2)  # half of them absent
        if kind == "video":
            exact.append(f"https://www.youtube.com/watch?v={video_id(name, n)}")
        elif kind == "book":
            exact.append(isbn_for(n))
        elif kind == "image":
            exact.append(f"https://img{n % 997}.example.com/{n}.jpg")
        else:
            exact.append(f"https://site{n % 20011}.example.org/{name}/page/{n}?ref={n % 7}")
    fuzzy = []
    books = random.Random("bench-books")
    for n in range(200):
        record = row("book", "bench-books", n, books)
        if n % 3 == 0:
            fuzzy.append(f"q={quote(record['title'][:-1])}&by=title")  # a typo: one letter off
        elif n % 3 == 1:
            fuzzy.append(f"q={quote(record['author'])}&by=author")
        else:
            fuzzy.append(f"q={quote(record['title'])}")
    return [f"q={quote(q)}" for q in exact], fuzzy


def explain(exact: list[str], fuzzy: list[str]) -> None:
    from urllib.parse import parse_qs

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from app.graph.lookup import lookup

    for label, q in (("exact (video id)", exact[0]), ("exact (ISBN)", exact[1]),
                     ("fuzzy (title)", fuzzy[0]), ("fuzzy (author)", fuzzy[1])):  # fmt: skip
        params = {k: v[0] for k, v in parse_qs(q).items()}
        with CaptureQueriesContext(connection) as ctx:
            lookup(params["q"], params.get("by", ""))
        member_sql = next(
            x["sql"] for x in ctx.captured_queries if "graph_datasetmember" in x["sql"]
        )
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + member_sql)
            plan = "\n    ".join(r[0] for r in cursor.fetchall())
        log(f"\n  EXPLAIN ANALYZE, {label} ({len(ctx.captured_queries)} queries in the lookup):"
            f"\n    {plan}")  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


@contextmanager
def server(static_root: Path) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 60,
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "SITE_URL": "https://bench.invalid",
           "DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL, "SECURE_SSL_REDIRECT": "0",
           "SECURE_HSTS_SECONDS": "0", "STATIC_ROOT": str(static_root), "LOG_LEVEL": "WARNING",
           "RATELIMIT_ENABLE": "0"}  # fmt: skip
    cmd = [str(Path(PYTHON).parent / "gunicorn"), "app.wsgi", "-b", f"127.0.0.1:{port}",
           *GUNICORN.split(), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(port, "/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer")
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def fixed_rate(port: int, paths: list[str], rate: float, duration: int) -> dict[str, float]:
    """Open loop: request k (path k mod n) is due at start + k/rate; latency from the due time."""
    threads = max(4, min(32, int(rate / 5)))
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    end = start + duration

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        k = index
        while (due := start + k / rate) < end:
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                conn.request("GET", paths[k % len(paths)])
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            with lock:
                latencies.append(time.perf_counter() - due)
                errors[0] += not ok
            k += threads

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / max(time.perf_counter() - start, duration),
            "p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000,
            "errors": errors[0]}  # fmt: skip


def collect_static() -> Path:
    """Production settings serve hashed static names: collect them once for this run
    (``--cpu-only`` reuses ``STATIC_ROOT`` when it is set and already collected)."""
    if (given := os.environ.get("STATIC_ROOT")) and (Path(given) / "staticfiles.json").exists():
        return Path(given)
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 60,
           "ALLOWED_HOSTS": "127.0.0.1", "SITE_URL": "https://bench.invalid",
           "STATIC_ROOT": str(static_root), "DATABASE_URL": DB_URL}  # fmt: skip
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True)  # fmt: skip
    os.environ["STATIC_ROOT"] = str(static_root)
    return static_root


def measure(exact: list[str], fuzzy: list[str], duration: int, repeat: int) -> None:
    static_root = Path(os.environ.get("STATIC_ROOT") or collect_static())
    runs = [
        ("trivial view /healthz", ["/healthz"], 100),
        ("exact, page /lookup/", [f"/lookup/?{q}" for q in exact], 100),
        ("exact, API /api/v1/lookup", [f"/api/v1/lookup?{q}" for q in exact], 100),
        ("trivial view /healthz", ["/healthz"], 20),
        ("fuzzy, page /lookup/", [f"/lookup/?{q}" for q in fuzzy], 20),
        ("fuzzy, API /api/v1/lookup", [f"/api/v1/lookup?{q}" for q in fuzzy], 20),
    ]
    with server(static_root) as port:
        for _label, paths, _rate in runs:  # warm every worker's connection and code
            for path in paths[:5]:
                try:
                    get(port, path)
                except OSError as exc:  # a slow first answer is measured below, not here
                    log(f"  warm-up {path[:60]}: {exc}")
        log(f"\n  gunicorn {GUNICORN}, DEBUG=0, {duration} s each, open loop (load {load()})")
        log(f"  {'endpoint':28} {'rate':>5} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'errors':>6}")  # fmt: skip
        for label, paths, rate in runs * repeat:  # rounds alternate: A, B, C, A, B, C...
            r = fixed_rate(port, paths, rate, duration)
            log(f"  {label:28} {rate:>5} {r['rps']:>7.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} "
                f"{r['p99']:>8.1f} {r['errors']:>6.0f}   (load {load()})")  # fmt: skip


def sqlite(total: int, workdir: Path) -> None:
    """How far the embedded default goes: import and in-process lookup times on SQLite."""
    db = workdir / "lookup.sqlite3"
    url = f"sqlite:///{db}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    import_all(total, env, workdir)
    setup_django(url)
    publish_relations()
    from urllib.parse import parse_qs

    from app.graph.lookup import lookup

    exact, fuzzy = sample_queries(total)
    for label, queries in (("exact", exact[:60]), ("fuzzy", fuzzy[:30])):
        times = []
        for q in queries:
            params = {k: v[0] for k, v in parse_qs(q).items()}
            started = time.perf_counter()
            lookup(params["q"], params.get("by", ""))
            times.append((time.perf_counter() - started) * 1000)
        cuts = statistics.quantiles(times, n=20)
        log(f"  SQLite {label:6} lookup in process: p50 {cuts[9]:.1f} ms, p95 {cuts[18]:.1f} ms "
            f"over {len(times)} lookups")  # fmt: skip


def cpu_per_request(exact: list[str], fuzzy: list[str], passes: int = 1) -> None:
    """CPU time of this Django process per uncached request (PostgreSQL's time not included):
    less disturbed by the other load on a shared machine than latency. ``passes``: each
    list is requested that many times (one warm-up pass first), the median over all."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    log(f"\n  CPU per request in one process (median of {passes} pass(es); PostgreSQL's time "
        f"excluded; queries: the most one request ran):")  # fmt: skip
    for label, paths in (("trivial view /healthz", ["/healthz"] * 40),
                         ("exact, page /lookup/", [f"/lookup/?{q}" for q in exact[:40]]),
                         ("exact, API", [f"/api/v1/lookup?{q}" for q in exact[:40]]),
                         ("fuzzy, page /lookup/", [f"/lookup/?{q}" for q in fuzzy[:20]]),
                         ("fuzzy, API", [f"/api/v1/lookup?{q}" for q in fuzzy[:20]])):  # fmt: skip
        cpu, wall, queries = [], [], 0
        if passes > 1:
            for path in paths:
                with CaptureQueriesContext(connection) as ctx:
                    assert client.get(path).status_code == 200, path
                queries = max(queries, len(ctx.captured_queries))
        for path in paths * passes:
            c0, w0 = time.process_time(), time.perf_counter()
            assert client.get(path).status_code == 200, path
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        log(
            f"  {label:24} CPU {statistics.median(cpu):6.2f} ms   wall median "
            f"{statistics.median(wall):7.1f} ms, max {max(wall):7.1f} ms"
            + (f"   queries {queries:2}" if passes > 1 else "")
            + f"   (load {load()})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the lookup load")
    parser.add_argument("--skip-import", action="store_true", help="reuse the last import")
    parser.add_argument("--import-only", action="store_true",
                        help="stop after the import (no lookup rounds)")  # fmt: skip
    parser.add_argument("--only", default="",
                        help="import only these indexes (comma-separated names, e.g. "
                             "bench-youtube-a); the others' rows are not made")  # fmt: skip
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument(
        "--cpu-only",
        action="store_true",
        help="only the CPU-per-request table, in process, on the last import",
    )
    parser.add_argument("--passes", type=int, default=5, help="--cpu-only: passes per list")
    args = parser.parse_args()
    log(f"bench/lookup.py {' '.join(sys.argv[1:])}  rows={args.rows:,}  load average {load()}  "
        f"cores {os.cpu_count()}")  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix="bench-lookup-"))
    media = workdir / "media"
    os.environ["MEDIA_ROOT"] = str(media)
    if args.sqlite:
        sqlite(args.rows, workdir)
        return
    if args.cpu_only:
        collect_static()
        setup_django(DB_URL)
        cpu_per_request(*sample_queries(args.rows), passes=args.passes)
        log(f"\nload average at the end {load()}")
        return
    ensure_database(fresh=not args.skip_import)
    env = {**os.environ, "DATABASE_URL": DB_URL}
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    if not args.skip_import:
        log("\nImport (manage.py import_dataset_index, one process per file):")
        only = set(filter(None, args.only.split(",")))
        results = import_all(args.rows, env, workdir, only)
        rows = sum(r["rows"] for r in results)
        seconds = sum(r["import_s"] for r in results)
        cpu = sum(r["cpu_s"] + r["server_cpu_s"] for r in results)
        log(f"  total {rows:,} rows in {seconds:.0f} s: {rows / seconds:,.0f} rows/s; "
            f"largest peak RSS {max(r['peak_rss_MB'] for r in results)} MB; importer + "
            f"PostgreSQL CPU {cpu:.0f} s ({rows / max(cpu, 1e-3):,.0f} rows/CPU-s: what a "
            f"core each would give on a quiet machine is between this and twice it)")  # fmt: skip
    if args.import_only:
        log(f"\nload average at the end {load()}")
        return
    collect_static()
    setup_django(DB_URL)
    publish_relations()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE graph_datasetmember")
        cursor.execute("SELECT count(*) FROM graph_datasetmember")
        log(f"\n  graph_datasetmember holds {cursor.fetchone()[0]:,} rows")
    exact, fuzzy = sample_queries(args.rows)
    explain(exact, fuzzy)
    cpu_per_request(exact, fuzzy)
    connection.close()
    measure(exact, fuzzy, args.duration, args.repeat)
    log(f"\nload average at the end {load()}")


if __name__ == "__main__":
    main()
