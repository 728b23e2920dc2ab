"""Peak memory of the bulk import (`import_ledger`) as the input grows tenfold.

Each size runs in a fresh process on a scratch SQLite database (or on
``DATABASE_URL`` when it is set: give a database you may fill), importing a
JSON Lines file of N claims with one evidence item and one new source each, read
from disk. It prints the process's peak RSS (``ru_maxrss``), the tracemalloc peak
of the import itself, the rate, and the load average. With ``--top`` it also
prints the allocation sites that grew most between the first and last tenth
of the file (to find what holds memory per record). Numbers, never pass/fail.

    .venv/bin/python bench/import_memory.py            # N = 200, 2000
    .venv/bin/python bench/import_memory.py 500 5000 --top
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_input(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"type": "entity", "slug": "vidgen", "name": "VidGen",
                              "kind": "model", "developer": {"name": "Example Labs"}}) + "\n")  # fmt: skip
        for i in range(n):
            out.write(json.dumps({"type": "claim", "slug": f"c-{i}", "models": ["vidgen"],
                                  "statement": f"VidGen was trained on set {i}."}) + "\n")  # fmt: skip
            out.write(json.dumps({"type": "evidence", "claim": f"c-{i}", "kind": "news_report",
                                  "stance": "supports", "summary": f"Report {i}.",
                                  "source": {"url": f"https://news.example/{i}"}}) + "\n")  # fmt: skip


def child(n: int, top: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # As in production (DEBUG=0): with DEBUG on, Django keeps the last 9,000 queries' SQL.
    settings.DEBUG = False

    call_command("migrate", verbosity=0)
    from app.ledgerdata.importer import import_file
    from app.ledgerdata.services import import_user

    actor = import_user()
    warm = Path(os.environ["DATA_DIR"]) / "warm.jsonl"
    write_input(warm, 5)
    with warm.open("rb") as handle:  # load modules and caches once, outside the measure
        import_file(handle, warm.name, actor=actor)
    path = Path(os.environ["DATA_DIR"]) / "input.jsonl"
    write_input(path, n)
    from app.catalog.models import Claim

    Claim.objects.all().delete()
    from app.ledgerdata.models import ImportedRecord

    ImportedRecord.objects.all().delete()
    snapshots = []
    tracemalloc.start(40 if top else 1)
    started = time.perf_counter()

    def progress(outcome: object) -> None:  # called every 25 records and at the end
        done = getattr(outcome, "processed", 0)
        if top and ((len(snapshots) == 0 and done >= 2 * n // 10) or done > 2 * n):
            snapshots.append(tracemalloc.take_snapshot())

    with path.open("rb") as handle:
        outcome = import_file(handle, path.name, actor=actor, progress=progress)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    if top and len(snapshots) == 2:
        for stat in snapshots[1].compare_to(snapshots[0], "traceback")[:8]:
            print(f"  +{stat.size_diff} B in {stat.count_diff} blocks:")
            for line in stat.traceback.format()[-14:]:  # the innermost frames
                print("     ", line)
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": outcome.processed, "created": outcome.created,
                      "refused": outcome.refused, "tracemalloc_peak_kb": round(peak / 1024),
                      "peak_rss_mb": round(rss_mb, 1), "seconds": round(elapsed, 1),
                      "records_per_s": round(outcome.processed / elapsed, 1)}))  # fmt: skip


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = "--top" in sys.argv
    if os.environ.get("BENCH_CHILD"):
        child(int(args[0]), top)
        return
    sizes = [int(a) for a in args] or [200, 2000]
    print(f"load average before: {os.getloadavg()}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "BENCH_CHILD": "1", "DATA_DIR": tmp}
            if not os.environ.get("DATABASE_URL"):
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            command = [sys.executable, __file__, str(n), *(["--top"] if top else [])]
            print(f"N={n} claims (+{n} evidence items, {n} new sources):", flush=True)
            subprocess.run(command, env=env, check=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
