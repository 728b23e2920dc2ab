"""How long a write takes while Redis (cache, rate limits, broker) is down.

    .venv/bin/python bench/redis_down.py [--runs 20] [--live redis://127.0.0.1:6379/3]

Production settings (DEBUG off, gunicorn, 1 worker x 2 threads) on a fresh
SQLite database in a temporary directory, with REDIS_URL on a loopback port
where nothing listens. Times, from a client on the same machine,
``POST /api/v1/sources`` (a new address each time: a source, its queued
capture, a failed ring of the broker), a failed and a successful log-in, and
a suggestion, after one warm-up of each. Prints median, 90th percentile and
maximum in milliseconds, the answers' status codes and the load average.
docs/rate-limits.md says why no answer is a 5xx; the capture rows wait for the
sweep. ``--live`` runs the same against a running Redis, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SETUP = """
import django; django.setup()
from django.contrib.auth.models import Group
from app.accounts.models import User
from app.accounts.services import token_create
user = User.objects.create_user("benchy", "benchy@example.org", "a long bench passphrase")
user.groups.add(Group.objects.get(name="editor"))
print(token_create(user=user, name="bench").secret)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed(runs: int, send: Callable[[int], int]) -> tuple[list[float], set[int]]:
    send(-1)  # warm-up
    times, codes = [], set()
    for n in range(runs):
        started = time.perf_counter()
        codes.add(send(n))
        times.append((time.perf_counter() - started) * 1000)
    return times, codes


def status(request: urllib.request.Request, opener: urllib.request.OpenerDirector) -> int:
    try:
        with opener.open(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--live", default="", help="a running Redis to compare with, redis://...")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-redis-down-"))
    port, dead = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "app.settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://bench.invalid",
        "SECURE_SSL_REDIRECT": "0",
        "DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
        "REDIS_URL": args.live or f"redis://127.0.0.1:{dead}/1",
        "CELERY_BROKER_URL": args.live or f"redis://127.0.0.1:{dead}/1",
        "STATIC_ROOT": str(data / "static"),
        "CACHE_PAGE_SECONDS": "300",
        # Nobody consumes these queues; with --live they are deleted at the end.
        "TASK_QUEUE_PREFIX": f"bench-redis-down-{os.getpid()}.",
    }
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], **run)  # type: ignore[call-overload]
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], **run)  # type: ignore[call-overload]
    token = subprocess.run([PYTHON, "-c", SETUP], **run).stdout.strip().splitlines()[-1]  # type: ignore[call-overload]
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "app.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        opener = urllib.request.build_opener()
        # As behind the TLS proxy: the CSRF cookie is Secure, so it is carried by hand.
        https = {"X-Forwarded-Proto": "https"}

        def form_post(path: str, fields: dict[str, str]) -> int:
            page = opener.open(urllib.request.Request(f"{base}{path}", headers=https), timeout=60)
            cookie = re.search(r"csrftoken=([^;]+)", page.headers.get("Set-Cookie", ""))
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
            fields = {**fields, "csrfmiddlewaretoken": match.group(1) if match else ""}
            headers = {
                **https,
                "Referer": f"https://127.0.0.1:{port}{path}",
                "Cookie": f"csrftoken={cookie.group(1) if cookie else ''}",
            }
            body = urllib.parse.urlencode(fields).encode()
            return status(urllib.request.Request(f"{base}{path}", body, headers=headers), opener)

        def add_source(n: int) -> int:
            body = json.dumps({"url": f"https://news.example/redis-down-{n}"}).encode()
            request = urllib.request.Request(
                f"{base}/api/v1/sources",
                body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            return status(request, urllib.request.build_opener())

        cases = {
            "POST /api/v1/sources (new address)": add_source,
            "log-in, wrong password (GET + POST)": lambda n: form_post(
                "/accounts/login/", {"username": f"nobody{n}", "password": "wrong"}
            ),
        }
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        where = f"Redis up ({args.live})" if args.live else f"Redis down (nothing on :{dead})"
        print(f"{where}, gunicorn 1x2, {args.runs} runs, "
              f"load before: {load}")  # fmt: skip
        print(f"  {'request':44} {'median':>8} {'p90':>8} {'max':>8}  codes")
        for name, send in cases.items():
            times, codes = timed(args.runs, send)
            p90 = statistics.quantiles(times, n=10)[-1]
            print(f"  {name:44} {statistics.median(times):8.0f} {p90:8.0f} {max(times):8.0f}  "
                  f"{sorted(codes)}")  # fmt: skip
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"  (milliseconds; load after: {load}; command: {' '.join(sys.argv)})")
    finally:
        server.terminate()
        server.wait(timeout=20)
        if args.live:
            import redis

            live = redis.Redis.from_url(args.live)
            for key in live.scan_iter(match=f"{env['TASK_QUEUE_PREFIX']}*"):
                live.delete(key)


if __name__ == "__main__":
    main()
