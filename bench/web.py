"""bench/web.py: the reader site under load, on a ledger of realistic size.

    make bench-web                      # build the data set once, then measure
    python bench/web.py --rebuild       # rebuild the data set from scratch
    python bench/web.py --duration 5    # shorter runs
    python bench/web.py --render-on-commit --rounds 3   # only the writer + readers run
    python bench/web.py --render-on-commit --totals     # ... the writer changes the totals

What it does, and prints:

1. Builds (once; reused while its row counts match) 20,000 published claims,
   1,000,000 evidence items, 100,000 sources each with ~5 KB of archived text,
   a capture and two files each, in a separate PostgreSQL database
   (``trainedon_bench``), with COPY. The search triggers tokenize every row as it
   arrives; the GIN indexes are built after the load. Term frequencies are
   controlled: "quasar" is selective (200 evidence rows, 20 claims, 100 texts),
   "footage" is in half of all evidence, claim summaries and archived texts.
2. EXPLAIN ANALYZE of the search SQL for both terms (the GIN indexes must show).
3. Serves the site with gunicorn (2 workers x 4 threads, production settings:
   DEBUG off, whitenoise manifest, PostgreSQL, Redis) twice: with the page cache,
   and with CACHE_PAGE_SECONDS=0 (every request renders).
4. Measures the CPU time Django itself spends per uncached request, in one
   process (a number that load from other programs disturbs much less).
5. Drives each endpoint on loopback with wrk (closed loop, 8 connections) and
   with a fixed-rate generator (Python threads; latency counted from each
   request's scheduled time, so a slow server cannot hide its queue; requests
   still unsent when the run ends are counted with the errors), and prints
   req/s and p50/p95/p99 per endpoint beside /healthz, a trivial Django view.
6. Render on commit (also alone: ``--render-on-commit [--rounds 3] [--stale 5]``):
   the cached site with its ``render`` worker; readers at 200 req/s (the same
   open-loop generator) on 20 claim pages, alone (A), then while a writer edits
   one of those claims a second through ``catalog.services.claim_update`` (B),
   alternately. Prints each phase's latencies, the ratio of B's p95 to A's, and
   how old what readers saw was: responses missing a commit made before they
   were sent, the oldest such, how many were older than 5 s, and per commit the
   time until the first reader's response showed it; and the CPU per edit of the
   render worker, the writer, the bench database's PostgreSQL backends and
   gunicorn (from /proc: a loaded machine's latencies are noise, CPU is not).

Numbers are what this 2-core machine gives while sharing it with the load
generator (and anything else running); no pass/fail.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB", "trainedon_bench")
DB_URL = f"{PG}/{DB_NAME}"
# How the site is served: override with BENCH_GUNICORN to compare worker models.
GUNICORN = os.environ.get("BENCH_GUNICORN", "-w 2 -k gthread --threads 4")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")

N_ORGS, N_MODELS, N_CONTENT = 50, 200, 1500
N_CLAIMS, N_SOURCES, N_EVIDENCE = 20_000, 100_000, 1_000_000
PER_CLAIM = N_EVIDENCE // N_CLAIMS
TEXT_BYTES = 5_000
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SELECTIVE, COMMON = "quasar", "footage"

WORDS = """model trained video game stream clips dataset images scraped public licensed
players interface inventory health display outputs comparison researchers reporters
journalists company statement training data generated scenes characters resemble style
frames music songs lyrics books articles archive crawl platform creators artists
evidence analysis prompt results match identical watermark logo layout camera motion
level map sprites textures voices speech subtitles transcript channel uploads views
lawsuit filing court document contract license terms policy opt-out robots crawler
copyright holders permission payment agreement partnership release version weights
paper benchmark audit membership inference test memorized verbatim passage excerpt
press office reply declined comment confirmed denied disputed claim source original
removed changed archived copy capture snapshot hash manifest screenshot recording""".split()
FRENCH = """modèle entraîné vidéo jeu diffusion extraits données images publiques licence
joueurs interface inventaire écran résultats comparaison chercheurs journalistes
entreprise déclaration entraînement scènes personnages style musique chansons livres
articles archive plateforme créateurs artistes preuve analyse requête filigrane""".split()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The data set -------------------------------------------------------------------------


def connect(dbname: str = DB_NAME, autocommit: bool = True) -> psycopg.Connection[Any]:
    return psycopg.connect(f"{PG}/{dbname}", autocommit=autocommit)


def ensure_database() -> None:
    with connect("postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    env = {**os.environ, "DATABASE_URL": DB_URL}
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def counts() -> dict[str, int]:
    with connect() as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in ("catalog_claim", "catalog_evidence", "public_sourcetext")
        }


def wanted_counts() -> dict[str, int]:
    return {
        "catalog_claim": N_CLAIMS,
        "catalog_evidence": N_EVIDENCE,
        "public_sourcetext": N_SOURCES,
    }


def _fillers(conn: psycopg.Connection[Any], table: str, given: list[str]) -> dict[str, Any]:
    """Values for NOT NULL columns the bench does not set (columns other apps may add)."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    ).fetchall()
    defaults = {
        "jsonb": "{}",
        "boolean": False,
        "integer": 0,
        "bigint": 0,
        "smallint": 0,
        "timestamp with time zone": NOW,
        "date": NOW.date(),
    }
    return {name: defaults.get(kind, "") for name, kind in rows if name not in given}


def copy_rows(
    conn: psycopg.Connection[Any], table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    extra = _fillers(conn, table, columns)
    names = columns + list(extra)
    tail = tuple(extra.values())
    n = 0
    with (
        conn.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row + tail)
            n += 1
    return n


def _sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


GIN_INDEXES = {
    "catalog_claim_search_gin": "catalog_claim USING gin (search_vector)",
    "catalog_evidence_search_gin": "catalog_evidence USING gin (search_vector)",
    "public_sourcetext_search_gin": "public_sourcetext USING gin (search_vector)",
}


def build() -> None:
    rng = random.Random(42)
    started = time.monotonic()
    conn = connect()
    conn.execute("SET maintenance_work_mem = '1GB'")
    log("emptying the bench tables")
    conn.execute(
        "TRUNCATE catalog_evidence, catalog_claim_models_named, catalog_claim_content_named, "
        "catalog_claim_tags, catalog_verdictchange, catalog_claim, public_sourcetext, "
        "archive_artifact, archive_capturestep, archive_capture, catalog_source, catalog_entity "
        "RESTART IDENTITY CASCADE"
    )
    for name in GIN_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")

    def step(label: str, fn: Callable[[], int]) -> None:
        t = time.monotonic()
        n = fn()
        log(f"{label}: {n:,} rows in {time.monotonic() - t:.1f} s")

    # Entities: organizations, models (each with a developer), content.
    def entities() -> Iterator[tuple[Any, ...]]:
        kinds = ["work", "creator", "dataset"]
        for i in range(1, N_ORGS + 1):
            yield (i, "organization", f"Lab {i}", f"lab-{i}", None)
        for i in range(1, N_MODELS + 1):
            yield (N_ORGS + i, "model", f"Vidgen {i}", f"vidgen-{i}", 1 + (i - 1) % N_ORGS)
        for i in range(1, N_CONTENT + 1):
            name = f"{rng.choice(['Block', 'Star', 'Pixel', 'Sky', 'Iron'])}craft {i}"
            yield (N_ORGS + N_MODELS + i, kinds[i % 3], name, f"content-{i}", None)

    step("entities", lambda: copy_rows(
        conn, "catalog_entity", ["id", "kind", "name", "slug", "developer_id"], entities()
    ))  # fmt: skip

    summaries = [_sentence(rng, WORDS, 40) for _ in range(500)]
    verdicts = ["unverified"] * 4 + ["supported", "confirmed", "disputed", "refuted", "retracted"]

    def claims() -> Iterator[tuple[Any, ...]]:
        for i in range(1, N_CLAIMS + 1):
            french = i % 5 == 0
            model, content = f"Vidgen {1 + i % N_MODELS}", f"content {1 + i % N_CONTENT}"
            statement = (
                f"{model} a été entraîné sur {content} ({i})."
                if french
                else f"{model} was trained on {content} gameplay ({i})."
            )
            if i % 1000 == 0:
                statement = statement.replace("(", f"{SELECTIVE} (")
            summary = summaries[i % 500] + (f" {COMMON}" if i % 2 == 0 else "")
            if french:
                summary = _sentence(rng, FRENCH, 30)
            published = NOW - timedelta(minutes=N_CLAIMS - i)
            yield (
                i, statement, f"claim-{i}", summary, verdicts[i % len(verdicts)], "moderate",
                "not_contacted", "fr" if french else "en", "published", published, published,
                published,
            )  # fmt: skip

    step("claims", lambda: copy_rows(conn, "catalog_claim", [
        "id", "statement", "slug", "summary", "verdict", "evidence_strength", "developer_response",
        "language", "state", "created_at", "updated_at", "published_at",
    ], claims()))  # fmt: skip

    def models_named() -> Iterator[tuple[Any, ...]]:
        for i in range(1, N_CLAIMS + 1):
            yield (i, i, N_ORGS + 1 + i % N_MODELS)

    def content_named() -> Iterator[tuple[Any, ...]]:
        n = 0
        for i in range(1, N_CLAIMS + 1):
            for k in range(1 + i % 3):
                n += 1
                yield (n, i, N_ORGS + N_MODELS + 1 + (i + k * 7) % N_CONTENT)

    step("claim models", lambda: copy_rows(
        conn, "catalog_claim_models_named", ["id", "claim_id", "entity_id"], models_named()
    ))  # fmt: skip
    step("claim content", lambda: copy_rows(
        conn, "catalog_claim_content_named", ["id", "claim_id", "entity_id"], content_named()
    ))  # fmt: skip

    def sources() -> Iterator[tuple[Any, ...]]:
        for i in range(1, N_SOURCES + 1):
            url = f"https://news{i % 97}.example/{i}/story"
            yield (i, url, url, "article", f"News {i % 97}", f"Story {i}: {_sentence(rng, WORDS, 6)}",
                   "en", "alive", NOW - timedelta(days=30))  # fmt: skip

    step("sources", lambda: copy_rows(conn, "catalog_source", [
        "id", "url", "normalized_url", "kind", "publisher", "title", "language", "online_status",
        "created_at",
    ], sources()))  # fmt: skip

    def captures() -> Iterator[tuple[Any, ...]]:
        for i in range(1, N_SOURCES + 1):
            url = f"https://news{i % 97}.example/{i}/story"
            yield (i, i, "succeeded", "submitted", NOW - timedelta(days=29), url, url,
                   f"{i:064x}")  # fmt: skip

    step("captures", lambda: copy_rows(conn, "archive_capture", [
        "id", "source_id", "status", "origin", "created_at", "requested_url", "final_url",
        "manifest_sha256",
    ], captures()))  # fmt: skip

    def artifacts() -> Iterator[tuple[Any, ...]]:
        for i in range(1, N_SOURCES + 1):
            digest = f"{i:064x}"
            yield (2 * i - 1, i, "warc", "page.warc.gz", f"sha256/{digest}.warc.gz", 20_000,
                   "application/warc", digest)  # fmt: skip
            yield (2 * i, i, "text", "text.txt", f"sha256/{digest}.txt", TEXT_BYTES,
                   "text/plain", digest)  # fmt: skip

    step("artifacts", lambda: copy_rows(conn, "archive_artifact", [
        "id", "capture_id", "kind", "name", "storage_key", "size", "media_type", "sha256",
    ], artifacts()))  # fmt: skip

    paragraphs = [_sentence(rng, WORDS, 80) for _ in range(400)]  # ~500 bytes each

    def texts() -> Iterator[tuple[Any, ...]]:
        for i in range(1, N_SOURCES + 1):
            parts = [paragraphs[(i * 7 + k * 13) % 400] for k in range(10)]
            if i % 2 == 0:
                parts[3] += f" {COMMON}"
            if i % 1000 == 0:
                parts[5] += f" {SELECTIVE}"
            yield (i, i, "\n\n".join(parts)[:TEXT_BYTES], NOW - timedelta(days=29))

    step("archived texts (tokenized by trigger)", lambda: copy_rows(
        conn, "public_sourcetext", ["source_id", "capture_id", "text", "indexed_at"], texts()
    ))  # fmt: skip

    kinds = ["news_report", "output_comparison", "developer_statement", "document", "research",
             "testimony"]  # fmt: skip
    stances = ["supports", "supports", "contradicts", "context"]
    evidence_texts = [_sentence(rng, WORDS, 22) for _ in range(5000)]
    quotes = [_sentence(rng, WORDS, 15) for _ in range(1000)]

    def evidence() -> Iterator[tuple[Any, ...]]:
        for i in range(1, N_EVIDENCE + 1):
            summary = evidence_texts[i % 5000] + (f" {COMMON}" if i % 2 == 0 else " clips")
            if i % 5000 == 0:
                summary += f" {SELECTIVE}"
            claim = 1 + (i - 1) // PER_CLAIM
            created = NOW - timedelta(minutes=N_EVIDENCE - i)
            start, end = (12, 20) if i % 10 == 0 else (None, None)
            yield (
                i, claim, 1 + (i * 7919) % N_SOURCES, kinds[i % 6], stances[i % 4], summary,
                quotes[i % 1000] if i % 2 else "", f"paragraph {i % 9 + 1}", start, end,
                "published", created, created, created,
            )  # fmt: skip

    step("evidence (tokenized by trigger)", lambda: copy_rows(conn, "catalog_evidence", [
        "id", "claim_id", "source_id", "kind", "stance", "summary", "quote", "locator",
        "time_start", "time_end", "state", "created_at", "updated_at", "published_at",
    ], evidence()))  # fmt: skip

    for table in ("catalog_entity", "catalog_claim", "catalog_claim_models_named",
                  "catalog_claim_content_named", "catalog_source", "archive_capture",
                  "archive_artifact", "catalog_evidence"):  # fmt: skip
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    for name, target in GIN_INDEXES.items():
        t = time.monotonic()
        conn.execute(f"CREATE INDEX {name} ON {target}")
        log(f"index {name}: {time.monotonic() - t:.1f} s")
    t = time.monotonic()
    conn.execute("VACUUM ANALYZE")
    log(f"vacuum analyze: {time.monotonic() - t:.1f} s")
    t = time.monotonic()  # COPY sends no save signals: the kept counts from scratch
    env = {**os.environ, "DATABASE_URL": DB_URL}
    subprocess.run([PYTHON, "manage.py", "recount_totals"], cwd=ROOT, env=env, check=True)
    conn.execute("VACUUM ANALYZE public_evidencetally, public_publicsource")
    log(f"recount_totals: {time.monotonic() - t:.1f} s")
    conn.close()
    log(f"data set built in {time.monotonic() - started:.0f} s")


def explain() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    os.environ["DATABASE_URL"] = DB_URL
    import django

    django.setup()
    from app.public.search import CANDIDATE_CAP, TSQUERY, candidates_sql

    with connect() as conn:
        for term in (SELECTIVE, COMMON):
            sql = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + candidates_sql()
            parsed = conn.execute(f"SELECT ({TSQUERY})::text", {"q": term}).fetchone()[0]  # type: ignore[index]
            params = {"tsq": parsed, "cap": CANDIDATE_CAP, "entities": []}
            rows = conn.execute(sql, params).fetchall()
            plan = [row[0] for row in rows]
            keep = [line for line in plan if any(k in line for k in ("Scan", "Execution", "Limit"))]
            print(f"\nEXPLAIN ANALYZE of the search candidates for {term!r}:")
            for line in keep[:24]:
                print("   ", line)
            gin = [i for i in GIN_INDEXES if any(i in line for line in plan)]
            print(f"    -> GIN indexes used: {', '.join(gin) or 'NONE'}")


# --- Serving ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


APP_NAME = f"bench-web-{os.getpid()}"


def server_env(*, cached: bool, static_root: Path, stale: int = 5) -> dict[str, str]:
    """The production-like settings of the served site (and of its writer and worker)."""
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://bench.invalid",
        "DATABASE_URL": DB_URL,
        "REDIS_URL": REDIS_URL,
        "CACHE_PAGE_SECONDS": "300" if cached else "0",
        "CACHE_STALE_SECONDS": str(stale),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_ENABLE": "0",
        "PGAPPNAME": APP_NAME,  # libpq: tells this run's backends from other users'
    }


SERVED: dict[int, int] = {}  # port -> gunicorn's pid (its session: the CPU of the site)


@contextmanager
def server(*, cached: bool, static_root: Path, stale: int = 5) -> Iterator[int]:
    port = free_port()
    env = server_env(cached=cached, static_root=static_root, stale=stale)
    cmd = [str(Path(PYTHON).parent / "gunicorn"), "app.wsgi", "-b", f"127.0.0.1:{port}",
           *GUNICORN.split(), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    SERVED[port] = proc.pid
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer")
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


WRK_SCRIPT = """
local base = os.getenv("BENCH_PATH")
request = function() return wrk.format("GET", base) end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, '
    .. '"p50": %d, "p95": %d, "p99": %d}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50),
    latency:percentile(95), latency:percentile(99)))
end
"""


def run_wrk(port: int, path: str, duration: int, connections: int = 8) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}",
        ],
        env={**os.environ, "BENCH_PATH": path},
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout
    os.unlink(script.name)
    data = json.loads(out.split("JSON ", 1)[1])
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50": data["p50"] / 1000,
        "p95": data["p95"] / 1000,
        "p99": data["p99"] / 1000,
        "errors": data["errors"] + data["non2xx"],
    }


def measured_wrk(port: int, path: str, duration: int) -> dict[str, float]:
    """wrk on ``path`` after 2 s of the same load, discarded.

    Right after another endpoint's run (above all /healthz's 20,000 requests) the
    next one measured up to 40 % lower for a few seconds, and the same endpoint
    measured again at once did not: the warm-up keeps that out of the numbers.
    """
    run_wrk(port, path, 2)
    return run_wrk(port, path, duration)


def run_fixed_rate(port: int, path: str, rate: float, duration: int) -> dict[str, float]:
    """Open loop: request k is due at start + k/rate; latency counts from the due time."""
    return run_readers(port, [path], rate, duration, marks=False)[0]


ENDPOINTS = [
    ("trivial Django view (/healthz)", "/healthz"),
    ("home", "/"),
    ("filtered list", "/claims/?model=vidgen-7&verdict=supported"),
    (f"claim page, {PER_CLAIM} evidence", "/claims/claim-777/"),
    (f"search, selective ({SELECTIVE!r})", f"/claims/?q={SELECTIVE}"),
    (f"search, half the rows ({COMMON!r})", f"/claims/?q={COMMON}"),
    ("API claim list", "/api/v1/claims?page_size=20"),
    ("overview (numbers memoized)", "/overview/"),
]
# CPU table only: the overview with its numbers recomputed (content version bumped first).
CPU_ONLY = [("overview, numbers recomputed", "/overview/?recompute")]


def table(title: str, rows: list[tuple[str, dict[str, float]]]) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{title}  [load average after: {load}]")
    print(f"  {'endpoint':44} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    print(f"  {'':44} {'':>8} {'':>8} {'':>8} {'':>8} {'/unsent':>7}")
    for name, r in rows:
        print(
            f"  {name:44} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f}"
            f" {int(r['errors']):7d}"
        )


CPU_SCRIPT = """
import os, sys, time
import django
django.setup()
from django.test import Client
from app.public.cache import bump_version
client = Client()
for path in sys.argv[1:]:
    fresh = path.endswith("?recompute")
    for _ in range(3):
        client.get(path)
    n = 20
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        if fresh:
            bump_version()
        assert client.get(path).status_code == 200
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"CPU {path} {cpu / n * 1000:.2f} {wall / n * 1000:.2f}")
"""


def cpu_cost(static_root: Path) -> None:
    """Django's own CPU time per request, in one process (not counting PostgreSQL's)."""
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 60,
           "ALLOWED_HOSTS": "testserver", "SITE_URL": "https://bench.invalid", "STATIC_ROOT": str(static_root), "DATABASE_URL": DB_URL,
           "REDIS_URL": "", "CACHE_PAGE_SECONDS": "0", "SECURE_SSL_REDIRECT": "0",
           "DJANGO_SETTINGS_MODULE": "app.settings", "PYTHONPATH": str(ROOT)}  # fmt: skip
    out = subprocess.run(
        [PYTHON, "-c", CPU_SCRIPT, *[path for _name, path in ENDPOINTS + CPU_ONLY]],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    names = {path: name for name, path in ENDPOINTS + CPU_ONLY}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nCPU of the Django process per uncached request (20 runs each)  [load: {load}]:")
    print(f"  {'endpoint':44} {'CPU ms':>8} {'wall ms':>8}")
    for line in out.splitlines():
        if line.startswith("CPU "):
            _tag, path, cpu, wall = line.split(" ")
            print(f"  {names[path]:44} {float(cpu):8.2f} {float(wall):8.2f}")


def collect_static() -> Path:
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 60,
           "ALLOWED_HOSTS": "127.0.0.1", "SITE_URL": "https://bench.invalid",
           "STATIC_ROOT": str(static_root), "DATABASE_URL": DB_URL}  # fmt: skip
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    return static_root


def measure(duration: int, cpu_only: bool = False) -> None:
    static_root = collect_static()
    try:
        cpu_cost(static_root)
        for cached in () if cpu_only else (False, True):
            # The bench's own Redis database: start each phase with no page stored.
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
            label = "cached (Redis page cache)" if cached else "uncached (every request renders)"
            with server(cached=cached, static_root=static_root) as port:
                for _name, path in ENDPOINTS:  # warm connections, caches and the planner
                    for _ in range(3):
                        status, _body = get(port, path)
                        assert status == 200, (path, status)
                rows = [(name, measured_wrk(port, path, duration)) for name, path in ENDPOINTS]
                table(f"wrk, 8 connections, {duration} s each, {label}:", rows)
                claim = ENDPOINTS[3][1]
                run_wrk(port, claim, 2)  # the same warm-up before the fixed-rate runs
                fixed = []
                if cached:
                    fixed.append(
                        ("claim page @ 500 req/s", run_fixed_rate(port, claim, 500, duration))
                    )
                    fixed.append(
                        ("/healthz @ 500 req/s", run_fixed_rate(port, "/healthz", 500, duration))
                    )
                else:
                    fixed.append(
                        ("claim page @ 150 req/s", run_fixed_rate(port, claim, 150, duration))
                    )
                    fixed.append(("search selective @ 20 req/s",
                                  run_fixed_rate(port, ENDPOINTS[4][1], 20, duration)))  # fmt: skip
                    fixed.append(("search half the rows @ 5 req/s",
                                  run_fixed_rate(port, ENDPOINTS[5][1], 5, duration)))  # fmt: skip
                table(f"fixed rate (open loop), {duration} s each, {label}:", fixed)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


# --- Render on commit: a writer at 1 edit/s, readers at 200 req/s ------------------------

RC_CLAIMS = [f"claim-{i}" for i in range(101, 121)]  # 50 evidence items each
RC_MARK = re.compile(rb"Revision (\d+) of this summary")

WRITER_SCRIPT = """
import json, sys, time
import django
django.setup()
from django.contrib.auth.models import Group
from app.accounts.models import User
from app.catalog.models import Claim
from app.catalog.services import claim_update
slugs = sys.argv[1:]
writer, _ = User.objects.get_or_create(username="bench-writer", defaults={"email": "w@bench.invalid"})
writer.groups.add(Group.objects.get(name="editor"))
base = {c.slug: c.summary.split(" Revision ")[0] for c in Claim.objects.filter(slug__in=slugs)}
rev = 0
def edit(slug):
    global rev
    claim = Claim.objects.get(slug=slug)
    claim_update(claim=claim, actor=writer, summary=f"{base[slug]} Revision {rev} of this summary.")
    print(json.dumps({"slug": slug, "rev": rev, "t": time.time()}), flush=True)
for slug in slugs:  # every page starts at a known revision
    edit(slug)
print("READY", flush=True)
k = 0
for line in sys.stdin:
    seconds = float(line)
    start = time.monotonic()
    n = 0
    while n < seconds:  # one edit a second, on the schedule (open loop)
        pause = start + n - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        rev += 1
        edit(slugs[k % len(slugs)])
        k += 1
        n += 1
    print("IDLE", flush=True)
"""


# --totals: the writer changes a ledger-wide number at each edit (one more published
# evidence item, through evidence_add and publication_set as a moderator), and the readers
# read that number on home and the overview (app.public.totals).
TOTALS_PATHS = ["/", "/overview/"]
TOTALS_MARK = re.compile(rb"<strong>([0-9,]+)</strong> evidence items")
TOTALS_WRITER_SCRIPT = """
import json, sys, time
import django
django.setup()
from django.contrib.auth.models import Group
from app.accounts.models import User
from app.catalog import publication
from app.catalog.access import public_evidence
from app.catalog.models import Claim, Evidence, Source
from app.catalog.services import evidence_add
slugs = sys.argv[1:]
writer, _ = User.objects.get_or_create(username="bench-moderator", defaults={"email": "m@bench.invalid"})
writer.groups.add(Group.objects.get(name="moderator"))
claims = list(Claim.objects.filter(slug__in=slugs))
urls = list(Source.objects.order_by("pk").values_list("url", flat=True)[:200])
total = public_evidence().count()
print(json.dumps({"rev": total, "t": time.time()}), flush=True)
print("READY", flush=True)
k = 0
for line in sys.stdin:
    seconds = float(line)
    start = time.monotonic()
    n = 0
    while n < seconds:  # one edit a second, on the schedule (open loop)
        pause = start + n - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        item = evidence_add(claim=claims[k % len(claims)], actor=writer, url=urls[k % len(urls)],
                            kind="news_report", stance="supports", summary=f"Bench item {k}.").evidence
        if item.state != "published":
            publication.publication_set(item, "published", actor=writer)
        total += 1
        print(json.dumps({"rev": total, "t": time.time()}), flush=True)
        k += 1
        n += 1
    print("IDLE", flush=True)
# Leave the data set as built (its row counts decide whether the next run rebuilds it).
Evidence.objects.filter(added_by=writer, summary__startswith="Bench item ").delete()
"""

# The render worker as docker-compose.yml runs it: -c 2, below the web's CPU priority
# (there `cpu_shares: 256` against the web's 1024, here nice 10: on one box without
# containers, the same yielding to the readers). BENCH_RENDER_NICE=0 runs it level.
RENDER_NICE = os.environ.get("BENCH_RENDER_NICE", "10")
RENDER_CONCURRENCY = os.environ.get("BENCH_RENDER_CONCURRENCY", "2")


TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> tuple[int, float]:
    """(session id, CPU seconds) of a live process; (0, 0.0) once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0.0
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / TICK


def session_cpu(sid: int) -> float:
    """CPU seconds of the live processes of a session (a server or worker and its pool)."""
    pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    return sum(cpu for session, cpu in map(process_cpu, pids) if session == sid)


class PostgresCpu:
    """CPU seconds of each PostgreSQL backend of this run (the site, its worker and the
    writer: their ``application_name``; others may use the bench database), sampled every 0.2 s
    while it runs: a worker's backend lives for one task, and a backend's CPU is gone
    from /proc with it (at most its last 0.2 s is missed)."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def sample(self, conn: psycopg.Connection[Any]) -> None:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s"
                            " AND application_name = %s",
                            (DB_NAME, APP_NAME)).fetchall()  # fmt: skip
        for (pid,) in rows:
            cpu = process_cpu(pid)[1]
            if cpu:
                self.seen[pid] = max(cpu, self.seen.get(pid, 0.0))

    def run(self) -> None:
        with connect() as conn:
            while not self.stop.wait(0.2):
                self.sample(conn)

    def total(self) -> dict[int, float]:
        return dict(self.seen)


def cpu_snapshot(web: int, worker: int | None, writer: int, pg: PostgresCpu) -> dict[str, Any]:
    return {"web": session_cpu(web), "worker": session_cpu(worker) if worker else 0.0,
            "writer": process_cpu(writer)[1], "pg": pg.total()}  # fmt: skip


def cpu_spent(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """CPU seconds each part spent between two snapshots (a new backend counts from 0)."""
    spent = {part: after[part] - before[part] for part in ("web", "worker", "writer")}
    spent["pg"] = sum(cpu - before["pg"].get(pid, 0.0) for pid, cpu in after["pg"].items())
    return spent


@contextmanager
def render_worker(env: dict[str, str]) -> Iterator[int]:
    """The Celery worker of the ``render`` queue, as ``docker compose`` runs it (its pid,
    the id of its session)."""
    cmd = ["nice", "-n", RENDER_NICE, PYTHON, "-m", "celery", "-A", "app", "worker",
           "-Q", "render", "-c", RENDER_CONCURRENCY,
           "-n", f"bench-render-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
           "--loglevel=WARNING"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    try:
        time.sleep(6)  # the worker connects and starts its pool
        yield proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def run_readers(
    port: int,
    paths: list[str],
    rate: float,
    duration: float,
    marks: bool = True,
    mark_re: re.Pattern[bytes] = RC_MARK,
) -> tuple[dict[str, float], list[tuple[int, int, float]]]:
    """The open-loop generator over several pages, in turn: request k is due at
    start + k/rate, latency counts from the due time, requests still unsent when the
    run ends count as errors. With ``marks``, also per response (page index, revision
    shown, wall-clock time the request was sent)."""
    threads = max(4, min(64, int(rate / 10)))
    latencies: list[float] = []
    seen: list[tuple[int, int, float]] = []
    errors, skipped = [0], [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    wall = time.time() - time.perf_counter()  # perf_counter -> wall clock
    end = start + duration

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        k = index
        while True:
            due = start + k / rate
            if due >= end:
                break
            if time.perf_counter() > end:
                with lock:
                    skipped[0] += len(range(k, int((end - start) * rate), threads))
                break
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            page = k % len(paths)
            sent = time.perf_counter()
            body = b""
            try:
                conn.request("GET", paths[page])
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            elapsed = time.perf_counter() - due
            mark = mark_re.search(body) if marks else None
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok
                if mark:
                    seen.append((page, int(mark.group(1).replace(b",", b"")), wall + sent))
            k += threads

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    took = max(time.perf_counter() - start, duration)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    stats = {"rps": len(latencies) / took, "p50": cuts[49] * 1000, "p95": cuts[94] * 1000,
             "p99": cuts[98] * 1000, "errors": errors[0] + skipped[0]}  # fmt: skip
    return stats, seen


def staleness(
    commits: list[dict[str, Any]], seen: list[tuple[int, int, float]], paths: list[str]
) -> dict[str, float]:
    """How old what readers saw was, against the writer's commits.

    A response is stale when a commit of its page made before the request was sent is
    not in it; its staleness is the time since the first such commit. A commit's
    visibility delay is the time from the commit to the first request sent after it
    whose response shows it."""
    by_page: dict[int, list[tuple[int, float]]] = {}
    index = {path: i for i, path in enumerate(paths)}
    for c in commits:
        by_page.setdefault(index[c["path"]], []).append((c["rev"], c["t"]))
    stale, beyond, worst = 0, 0, 0.0
    for page, rev, sent in seen:
        newer = [t for r, t in by_page.get(page, []) if r > rev and t <= sent]
        if newer:
            stale += 1
            age = sent - min(newer)
            worst = max(worst, age)
            beyond += age > 5
    delays = []
    for page, edits in by_page.items():
        for rev, t in edits:
            shown = [sent for p, r, sent in seen if p == page and r >= rev and sent >= t]
            if shown:
                delays.append(min(shown) - t)
    cuts = statistics.quantiles(delays, n=100) if len(delays) > 1 else [max(delays or [0])] * 99
    return {"responses": len(seen), "stale": stale, "beyond_5s": beyond, "worst_age": worst,
            "edits": len(delays), "delay_p50": cuts[49], "delay_p95": cuts[94],
            "delay_max": max(delays or [0.0])}  # fmt: skip


def render_on_commit(
    duration: int,
    rounds: int,
    static_root: Path,
    stale: int = 5,
    rate: float = 200,
    totals: bool = False,
) -> None:
    """Readers at 200 req/s on 20 claim pages, alone (A) then with a writer editing one
    of those claims a second through `claim_update` (B), alternately; the render worker
    re-renders what each edit touches (CACHE_STALE_SECONDS=``stale``). ``totals``: the
    readers read home and the overview, and each edit adds a published evidence item
    (the ledger-wide evidence count they show, against the writer's commits)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = server_env(cached=True, static_root=static_root, stale=stale)
    paths = TOTALS_PATHS if totals else [f"/claims/{slug}/" for slug in RC_CLAIMS]
    mark_re = TOTALS_MARK if totals else RC_MARK
    rows: list[tuple[str, dict[str, float]]] = []
    ratios, stales, spent = [], [], []
    with server(cached=True, static_root=static_root, stale=stale) as port:
        for path in paths:  # the site's address is learnt on the first stored page
            get(port, path)
        worker = render_worker(env) if stale else contextlib.nullcontext()
        with worker as worker_pid:
            writer = subprocess.Popen(
                [PYTHON, "-c", TOTALS_WRITER_SCRIPT if totals else WRITER_SCRIPT, *RC_CLAIMS],
                cwd=ROOT, text=True,
                env={**env, "DJANGO_SETTINGS_MODULE": "app.settings", "PYTHONPATH": str(ROOT)},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )  # fmt: skip
            assert writer.stdin and writer.stdout
            commits: list[dict[str, Any]] = []

            def read_until(word: str) -> None:
                for line in writer.stdout:  # type: ignore[union-attr]
                    if line.strip() == word:
                        return
                    commit = json.loads(line)
                    if totals:  # every edit changes the number on each page
                        commits.extend({**commit, "path": path} for path in paths)
                    else:
                        commits.append({**commit, "path": f"/claims/{commit['slug']}/"})
                raise RuntimeError("the writer stopped")

            pg = PostgresCpu()
            pg.thread.start()
            try:
                read_until("READY")
                time.sleep(8)  # the first renders land
                for path in paths:
                    get(port, path)
                for n in range(1, rounds + 1):
                    snap = cpu_snapshot(SERVED[port], worker_pid, writer.pid, pg)
                    alone, _seen = run_readers(port, paths, rate, duration, mark_re=mark_re)
                    first = len(commits)
                    mid = cpu_snapshot(SERVED[port], worker_pid, writer.pid, pg)
                    writer.stdin.write(f"{duration}\n")
                    writer.stdin.flush()
                    edited, seen = run_readers(port, paths, rate, duration, mark_re=mark_re)
                    read_until("IDLE")
                    time.sleep(2)  # the renders of the last edits
                    end = cpu_snapshot(SERVED[port], worker_pid, writer.pid, pg)
                    spent.append((cpu_spent(snap, mid), cpu_spent(mid, end),
                                  (len(commits) - first) // (len(paths) if totals else 1)))  # fmt: skip
                    ages = staleness(commits[first:], seen, paths)
                    rows += [(f"round {n} A: readers alone", alone),
                             (f"round {n} B: readers + writer 1/s", edited)]  # fmt: skip
                    ratios.append(edited["p95"] / max(alone["p95"], 1e-9))
                    stales.append(ages)
                    time.sleep(3)  # the last renders land before readers are alone
            finally:
                pg.stop.set()
                writer.stdin.close()
                writer.wait(timeout=30)
    how = f", render worker -c {RENDER_CONCURRENCY} nice {RENDER_NICE}"
    mode = f"CACHE_STALE_SECONDS={stale}" + (how if stale else ", no worker")
    what = "home and the overview (--totals)" if totals else "claim pages"
    table(f"render on commit ({mode}), {rate:g} req/s on {len(paths)} {what}, {duration} s:",
          rows)  # fmt: skip
    print("  p95 with the writer / p95 alone: " + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"  {'round':>5} {'responses':>9} {'stale':>6} {'>5 s':>5} {'oldest s':>8}"
          f" {'edits':>5} {'shown after p50/p95/max s':>26}")  # fmt: skip
    for n, a in enumerate(stales, 1):
        print(f"  {n:5d} {a['responses']:9d} {a['stale']:6d} {a['beyond_5s']:5d}"
              f" {a['worst_age']:8.2f} {a['edits']:5d}"
              f" {a['delay_p50']:10.2f} {a['delay_p95']:7.2f} {a['delay_max']:7.2f}")  # fmt: skip
    print("  CPU ms per edit in B (the render worker, the writer, the bench database's"
          " PostgreSQL backends, gunicorn) and the same parts' CPU s in A / B:")  # fmt: skip
    for n, (a, b, edits) in enumerate(spent, 1):
        per = {part: 1000 * b[part] / max(edits, 1) for part in b}
        print(f"  {n:5d} {edits:3d} edits: worker {per['worker']:6.0f}  writer"
              f" {per['writer']:5.0f}  pg {per['pg']:6.0f}  ({(b['pg'] - a['pg']) * 1000 / max(edits, 1):+.0f}"
              f" over A)  web {per['web']:6.0f} ({(b['web'] - a['web']) * 1000 / max(edits, 1):+.0f} over A)"
              f" | A: web {a['web']:.2f} pg {a['pg']:.2f} worker {a['worker']:.2f}"
              f" | B: web {b['web']:.2f} pg {b['pg']:.2f} worker {b['worker']:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data set")
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--cpu-only", action="store_true", help="only the CPU-per-request table")
    parser.add_argument("--render-on-commit", action="store_true",
                        help="only the writer (1 edit/s) + readers (200 req/s) run")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds of that run")
    parser.add_argument("--stale", type=int, default=5, help="CACHE_STALE_SECONDS of that run")
    parser.add_argument("--rate", type=float, default=200, help="readers' req/s in that run")
    parser.add_argument("--totals", action="store_true",
                        help="with --render-on-commit: each edit adds a published evidence item;"
                        " readers read home and the overview (how old their totals are)")  # fmt: skip
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk).")
    log(f"database {DB_NAME}: migrating")
    ensure_database()
    have = counts()
    if args.rebuild or have != wanted_counts():
        log(f"building the data set (have {have})")
        build()
    else:
        log(f"reusing the data set: {have}")
    if args.render_on_commit:
        static_root = collect_static()
        try:
            render_on_commit(args.duration, args.rounds, static_root, args.stale, args.rate,
                             totals=args.totals)  # fmt: skip
        finally:
            shutil.rmtree(static_root, ignore_errors=True)
        return
    explain()
    if not args.build_only:
        measure(args.duration, cpu_only=args.cpu_only)
        if not args.cpu_only:
            static_root = collect_static()
            try:
                render_on_commit(args.duration, args.rounds, static_root, args.stale, args.rate)
            finally:
                shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
