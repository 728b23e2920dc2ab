"""What the request guards cost: /healthz through the full middleware, with and without
BadInputMiddleware and the Content-Security-Policy middleware (issue 11).

    DATABASE_URL=... .venv/bin/python bench/middleware.py [--requests 3000] [--runs 5]

Prints the median CPU time per request of each variant over several runs, the
spread, and the load average, so a number can be read against the machine's
state. It never passes or fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

GUARDS = {"csp.middleware.CSPMiddleware", "app.core.middleware.BadInputMiddleware"}


def per_request_ms(path: str, requests: int) -> float:
    client = Client()
    client.get(path)  # warm
    start = time.process_time()
    for _ in range(requests):
        client.get(path)
    return (time.process_time() - start) * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="/healthz")
    args = parser.parse_args()
    setup_test_environment()
    without = [m for m in settings.MIDDLEWARE if m not in GUARDS]
    assert len(without) == len(settings.MIDDLEWARE) - 2, "both guards are installed"
    results: dict[str, list[float]] = {"with guards": [], "without": []}
    for _ in range(args.runs):
        results["with guards"].append(per_request_ms(args.path, args.requests))
        with override_settings(MIDDLEWARE=without):
            results["without"].append(per_request_ms(args.path, args.requests))
    print(f"command: {' '.join(sys.argv)}  path={args.path} requests/run={args.requests}")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    for name, values in results.items():
        print(
            f"{name:12s} median {statistics.median(values):.3f} ms CPU/request, "
            f"runs {', '.join(f'{v:.3f}' for v in values)}"
        )
    delta = statistics.median(results["with guards"]) - statistics.median(results["without"])
    print(f"the guards cost about {delta * 1000:.0f} µs of CPU per request")


if __name__ == "__main__":
    main()
