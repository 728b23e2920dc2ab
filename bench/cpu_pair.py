"""bench/cpu_pair.py: CPU per uncached request, old code against new, alternately.

    git worktree add /tmp/before <commit>
    python bench/cpu_pair.py --old /tmp/before --db postgres://.../trainedon_cpu15 \
        --rounds 4 /healthz /sources/1/ /claims/claim-777/

Each round starts one process per tree (old first, then new, then the next round),
both on the same database with the settings of ``bench/web.py --cpu-only`` (DEBUG
off, no page cache, no Redis). Each process warms up every path, then measures
``--batches`` batches of ``--requests`` requests per path with Django's test Client
and ``time.process_time()`` (Django's own CPU, not PostgreSQL's), and reports the
median batch. The table gives, per path and tree, the median over the rounds,
the min-max spread of the rounds, and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import statistics, sys, time
import django
django.setup()
from django.test import Client
client = Client()
batches, n = int(sys.argv[1]), int(sys.argv[2])
for path in sys.argv[3:]:
    for _ in range(10):
        assert client.get(path).status_code == 200, path
    per = []
    for _ in range(batches):
        cpu = time.process_time()
        for _ in range(n):
            client.get(path)
        per.append((time.process_time() - cpu) / n * 1000)
    print("CPU", path, statistics.median(per))
"""


def run(tree: Path, db: str, batches: int, requests: int, paths: list[str]) -> dict[str, float]:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 60,
           "ALLOWED_HOSTS": "testserver", "SITE_URL": "https://bench.invalid",
           "STATIC_ROOT": str(tree / "var" / "bench-static"), "DATABASE_URL": db,
           "REDIS_URL": "", "CACHE_PAGE_SECONDS": "0", "SECURE_SSL_REDIRECT": "0",
           "DJANGO_SETTINGS_MODULE": "app.settings", "PYTHONPATH": str(tree)}  # fmt: skip
    if not (tree / "var" / "bench-static" / "staticfiles.json").exists():
        collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        subprocess.run(collect, cwd=tree, env=env, check=True)
    argv = [sys.executable, "-c", SCRIPT, str(batches), str(requests), *paths]
    out = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=True)
    return {
        line.split()[1]: float(line.split()[2])
        for line in out.stdout.splitlines()
        if line.startswith("CPU ")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the old tree (git worktree)")
    parser.add_argument("--new", type=Path, default=ROOT, help="the new tree (this one)")
    parser.add_argument("--db", required=True, help="DATABASE_URL both trees use")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for name, tree in (("old", args.old), ("new", args.new)):
            for path, ms in run(tree, args.db, args.batches, args.requests, args.paths).items():
                results[name].setdefault(path, []).append(ms)
    load_after = os.getloadavg()
    load = ", ".join(f"{x:.1f}" for x in (*load_before, *load_after))
    print(f"ms of CPU per request, median of the rounds [min-max], {args.rounds} rounds x "
          f"{args.batches} batches x {args.requests} requests; load before/after: {load}")  # fmt: skip
    print(f"{'path':32} {'old':>22} {'new':>22} {'new/old':>8}")
    for path in args.paths:
        old, new = results["old"][path], results["new"][path]
        cells = [f"{statistics.median(v):6.2f} [{min(v):.2f}-{max(v):.2f}]" for v in (old, new)]
        ratio = statistics.median(new) / statistics.median(old)
        print(f"{path:32} {cells[0]:>22} {cells[1]:>22} {ratio:8.2f}")


if __name__ == "__main__":
    main()
