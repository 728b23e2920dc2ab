"""bench/fragments_cpu.py: a page's CPU with its per-language fragments warm and cold.

    python bench/fragments_cpu.py --db postgres://.../trainedon_bench --rounds 8 \
        /claims/claim-777/ /fr/claims/claim-777/

One process with ``bench/web.py --cpu-only``'s settings (DEBUG off, no page cache, no
Redis: every request renders, as right after a content version bump). It prints the
first request of each path in the fresh process (templates compiled, everything
cold), then alternates batches per round: the trivial view (``/healthz``); each
path with the fragment stores warm (``{% per_language %}``, the remembered
addresses, Markdown and description words: the steady state); and each path with
those stores emptied before every request (what a request costs when no fragment
is stored yet). Medians over the rounds, [min-max], and each as a multiple of the
trivial view measured in the same rounds; load average before and after.
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
import json, sys, time
import django
django.setup()
from django.test import Client
from app.public import fragments, render
from app.public.templatetags import public_tags

def empty():
    fragments.clear()
    render.markdown.cache_clear()
    public_tags._plain_words.cache_clear()

client = Client()
rounds, n, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
first = {}
for path in paths:
    cpu = time.process_time()
    assert client.get(path).status_code == 200, path
    first[path] = (time.process_time() - cpu) * 1000
for path in ["/healthz", *paths]:
    for _ in range(10):
        client.get(path)
results = {"first": first, "healthz": [], "warm": {p: [] for p in paths},
           "cold": {p: [] for p in paths}}
for _ in range(rounds):
    cpu = time.process_time()
    for _ in range(n):
        client.get("/healthz")
    results["healthz"].append((time.process_time() - cpu) / n * 1000)
    for path in paths:
        cpu = time.process_time()
        for _ in range(n):
            client.get(path)
        results["warm"][path].append((time.process_time() - cpu) / n * 1000)
        spent = 0.0
        for _ in range(n):
            empty()
            cpu = time.process_time()
            client.get(path)
            spent += time.process_time() - cpu
        results["cold"][path].append(spent / n * 1000)
print("RESULT " + json.dumps(results))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="DATABASE_URL")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 60,
           "ALLOWED_HOSTS": "testserver", "SITE_URL": "https://bench.invalid",
           "STATIC_ROOT": str(ROOT / "var" / "bench-static"), "DATABASE_URL": args.db,
           "REDIS_URL": "", "CACHE_PAGE_SECONDS": "0", "SECURE_SSL_REDIRECT": "0",
           "DJANGO_SETTINGS_MODULE": "app.settings", "PYTHONPATH": str(ROOT)}  # fmt: skip
    if not (ROOT / "var" / "bench-static" / "staticfiles.json").exists():
        collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        subprocess.run(collect, cwd=ROOT, env=env, check=True)
    load_before = os.getloadavg()
    argv = [sys.executable, "-c", SCRIPT, str(args.rounds), str(args.requests), *args.paths]
    out = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    load_after = os.getloadavg()
    import json

    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    results = json.loads(line.removeprefix("RESULT "))
    load = ", ".join(f"{x:.1f}" for x in (*load_before, *load_after))
    print(f"ms of CPU per request, median of {args.rounds} rounds [min-max] x {args.requests} "
          f"requests; load before/after: {load}")  # fmt: skip
    trivial = statistics.median(results["healthz"])

    def cell(values: list[float]) -> str:
        median = statistics.median(values)
        return f"{median:6.2f} [{min(values):.2f}-{max(values):.2f}] = {median / trivial:4.1f}x"

    print(f"  {'/healthz (trivial view)':40} {cell(results['healthz'])}")
    for path in args.paths:
        print(f"  {path + ', first request of the process':40} {results['first'][path]:6.2f}")
        print(f"  {path + ', fragments warm':40} {cell(results['warm'][path])}")
        print(f"  {path + ', fragments emptied':40} {cell(results['cold'][path])}")


if __name__ == "__main__":
    main()
