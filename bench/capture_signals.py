"""What the consent signals and the trusted timestamps add to one capture.

    .venv/bin/python bench/capture_signals.py [--captures 20] [--rounds 6] [--warmup 5]
        [--delay 0.05] [--profile 40] [--no-stamp]
        [--database-url postgres://...]

After a few captures not counted (first imports), captures generated article pages (bench/archive.py's, 50-300 KB) one at a time
through ``run_capture_by_id``, the worker's function, without the browser,
in rounds that alternate the ``signals`` step (and ``credentials``) on and off,
then stamps every capture of the "on" rounds with two local RFC 3161
authorities (``openssl ts -reply`` behind tests/archive/tsa.py, each with its
own throwaway CA), as ``archive.stamp`` does after a capture. Each "on" round
starts as a new day for the site (its robots.txt, tdmrep.json and ai.txt
fetched again), so the first capture of a round pays the fetches and the
others use the per-site, per-day cache.

Prints, per round, the load average and the median capture time; then the
per-capture medians with p10-p90 and the spread of the round medians: the
capture with and without signals, the signals step itself (first of the day
and cached), the credentials step, and stamping (wall and this process's CPU:
our client and the authorities' handler threads; the openssl processes are
the authorities' own work and not counted). Numbers only, no pass/fail.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.archive import (  # noqa: E402
    SlowServer,
    article,
    percentile,
    scratch_database,
    setup_django,
)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    return (
        f"median {statistics.median(values) * 1000:7.1f} ms "
        f"(p10 {percentile(values, 0.1) * 1000:.1f}, p90 {percentile(values, 0.9) * 1000:.1f}, "
        f"n={len(values)})"
    )


def step_seconds(capture: Any, name: str) -> float | None:
    step = capture.steps.filter(name=name).first()
    if step is None or step.finished_at is None or step.started_at is None:
        return None
    return float((step.finished_at - step.started_at).total_seconds())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--captures", type=int, default=20, help="per round")
    parser.add_argument("--rounds", type=int, default=6, help="alternating on/off, even")
    parser.add_argument("--delay", type=float, default=0.05, help="server delay per request")
    parser.add_argument("--warmup", type=int, default=5, help="captures first, not counted")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        help="print the N costliest functions of the signals step (cProfile on process "
        "time, cached captures of the 'on' rounds)",
    )
    parser.add_argument("--no-stamp", action="store_true", help="skip the timestamps part")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="trainedon-bench-signals-"))
    try:
        with scratch_database(args.database_url) as database_url:
            bench(args, workdir, database_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def bench(args: argparse.Namespace, workdir: Path, database_url: str | None) -> None:
    setup_django(workdir, database_url)
    from django.conf import settings
    from django.db import connection

    from app.archive.models import HostFile
    from app.archive.pipeline import run_capture_by_id
    from app.archive.services import request_capture
    from app.archive.timestamps import stamp_capture
    from app.catalog.services import source_get_or_create
    from tests.archive.tsa import make_authority, serve_authority

    rng = random.Random(args.seed)
    total = args.captures * args.rounds
    pages = {
        f"/articles/{n}": article(n, rng.randint(50_000, 300_000), rng)
        for n in range(total + args.warmup)
    }
    server = SlowServer(pages, args.delay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ARCHIVE_BROWSER_STEP = False
    urls = [server.url(path) for path in pages]
    alpha = make_authority("Alpha", workdir / "alpha")
    beta = make_authority("Beta", workdir / "beta")
    bundle = workdir / "roots.pem"
    bundle.write_bytes(alpha.root_pem + beta.root_pem)
    print(f"load average before: {load()}; {os.cpu_count()} CPUs; database "
          f"{settings.DATABASES['default']['ENGINE']}; {total} pages, server delay {args.delay} s")  # fmt: skip

    capture_on: list[float] = []
    capture_off: list[float] = []
    # CPU seconds of this process and SQL statements, per capture and mode (the server's
    # threads answer in this process too: a small, equal share for both modes).
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    statements: dict[str, list[int]] = {"on": [], "off": []}
    counted = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counted[0] += 1
        return execute(sql, params, many, context)

    profiler = _step_profiler(args.profile)
    # CPU seconds of each step (process time around the pipeline's run_step, the step's
    # own rows and CaptureStep record included), per mode.
    step_cpu: dict[tuple[str, str], list[float]] = {}
    mode_now = ["warm-up"]  # not reported
    from app.archive import pipeline

    timed_step = pipeline.run_step

    def run_step_timed(ctx: Any, step: Any) -> None:
        started_cpu = time.process_time()
        try:
            return timed_step(ctx, step)
        finally:
            spent = time.process_time() - started_cpu
            step_cpu.setdefault((mode_now[0], step.name), []).append(spent)

    pipeline.run_step = run_step_timed  # type: ignore[assignment]
    round_medians: dict[str, list[float]] = {"on": [], "off": []}
    first_signals: list[float] = []
    cached_signals: list[float] = []
    stamp_wall: list[float] = []
    stamp_cpu: list[float] = []
    stamped_ids: list[int] = []
    by_step: dict[tuple[str, str], list[float]] = {}
    with serve_authority(alpha), serve_authority(beta):
        assert alpha.server and beta.server
        settings.ARCHIVE_ALLOW_HOSTS = [
            f"127.0.0.1:{server.server_address[1]}",
            alpha.server.host_port,
            beta.server.host_port,
        ]
        settings.TSA_URLS = f"{alpha.url},{beta.url}"
        settings.TSA_CA_FILE = str(bundle)
        # Warm-up, not counted: first imports (wacz, frictionless, trafilatura), caches.
        settings.ARCHIVE_SIGNALS_STEP = True
        for url in urls[total:]:
            warm = request_capture(source=source_get_or_create(url=url).source, enqueue=False)
            run_capture_by_id(warm.pk, attempts=1)
        for number in range(args.rounds):
            mode = "on" if number % 2 == 0 else "off"
            settings.ARCHIVE_SIGNALS_STEP = mode == "on"
            mode_now[0] = mode
            HostFile.objects.all().delete()  # a new day for the site
            batch = urls[number * args.captures : (number + 1) * args.captures]
            times = []
            for index, url in enumerate(batch):
                source = source_get_or_create(url=url).source
                capture = request_capture(source=source, enqueue=False)
                counted[0] = 0
                profiler.active = mode == "on" and index > 0
                cpu_started, started = time.process_time(), time.perf_counter()
                with connection.execute_wrapper(count):
                    run_capture_by_id(capture.pk, attempts=1)
                times.append(time.perf_counter() - started)
                cpu[mode].append(time.process_time() - cpu_started)
                statements[mode].append(counted[0])
                for step in capture.steps.all():
                    if step.started_at and step.finished_at:
                        seconds = (step.finished_at - step.started_at).total_seconds()
                        by_step.setdefault((mode, step.name), []).append(seconds)
                if mode == "on":
                    signals = step_seconds(capture, "signals")
                    if signals is not None:
                        (first_signals if index == 0 else cached_signals).append(signals)
                    stamped_ids.append(capture.pk)
            (capture_on if mode == "on" else capture_off).extend(times)
            round_medians[mode].append(statistics.median(times))
            print(f"round {number + 1} signals {mode:<3} load {load()} | capture "
                  f"{spread(times)}")  # fmt: skip
        for capture_id in stamped_ids if not args.no_stamp else []:
            cpu, started = time.process_time(), time.perf_counter()
            outcome = stamp_capture(capture_id)
            stamp_wall.append(time.perf_counter() - started)
            stamp_cpu.append(time.process_time() - cpu)
            assert not outcome.failed, outcome.failed
    server.shutdown()

    print()
    print(f"capture, signals on      {spread(capture_on)}")
    print(f"capture, signals off     {spread(capture_off)}")
    on, off = statistics.median(capture_on), statistics.median(capture_off)
    print(f"  difference of medians  {(on - off) * 1000:7.1f} ms ({on / off * 100 - 100:+.1f} %)")
    for mode in ("on", "off"):
        values = ", ".join(f"{v * 1000:.0f}" for v in round_medians[mode])
        print(f"  round medians {mode:<3}     {values} ms")
    for name in sorted({n for _m, n in by_step}):
        for mode in ("on", "off"):
            if (mode, name) in by_step:
                print(f"  step {name:<9} {mode:<3}    {spread(by_step[(mode, name)])}")
    for mode in ("on", "off"):
        print(f"capture CPU, signals {mode:<3} {spread(cpu[mode])}; SQL statements "
              f"{statistics.median(statements[mode]):.0f} (first of day "
              f"{statements[mode][0] if statements[mode] else 0})")  # fmt: skip
    for (mode, name), values in sorted(step_cpu.items()):
        if name == "signals" and mode != "warm-up":
            # The first capture of each "on" round fetches the site's files: left out.
            cached = [v for i, v in enumerate(values) if i % args.captures != 0]
            print(f"  step CPU {name} {mode:<3} {spread(cached)} (cached site files)")
    if cpu["on"] and cpu["off"]:
        on_cpu, off_cpu = statistics.median(cpu["on"]), statistics.median(cpu["off"])
        print(f"  CPU off/on             {off_cpu / on_cpu * 100:.1f} % (the rate a CPU-bound "
              f"worker keeps with the step on)")  # fmt: skip
    profiler.report()
    print(f"signals step, first of day {spread(first_signals)}")
    print(f"signals step, cached     {spread(cached_signals)}")
    print(f"stamp, 2 authorities     {spread(stamp_wall)} wall")
    print(f"stamp, 2 authorities     {spread(stamp_cpu)} CPU of this process")
    # The credentials step reads archived images and videos only: one signed PNG, read alone.
    import io

    from app.archive.credentials import read_credentials
    from tests.archive.c2pa_sign import TRAINING, sign
    from tests.archive.conftest import make_png

    signed = sign(make_png((640, 360)), "image/png", training=TRAINING)
    reads = []
    for _ in range(30):
        started = time.perf_counter()
        assert read_credentials(io.BytesIO(signed), "image/png")["status"] == "found"
        reads.append(time.perf_counter() - started)
    print(f"C2PA read, signed PNG {len(signed) // 1024} KB {spread(reads)}")
    print(f"load average after: {load()}")


class _StepProfiler:
    """cProfile (process time) around the signals step's ``run_step`` while ``active``."""

    def __init__(self, top: int) -> None:
        import cProfile

        self.top = top
        self.active = False
        self.profile = cProfile.Profile(time.process_time)
        self.calls = 0
        if not top:
            return
        from app.archive import pipeline

        original = pipeline.run_step

        def run_step(ctx: Any, step: Any) -> None:
            if not (self.active and step.name == "signals"):
                return original(ctx, step)
            self.calls += 1
            self.profile.enable()
            try:
                return original(ctx, step)
            finally:
                self.profile.disable()

        pipeline.run_step = run_step  # type: ignore[assignment]

    def report(self) -> None:
        if not self.top or not self.calls:
            return
        import pstats

        print(f"signals step profile, {self.calls} cached captures (process time):")
        pstats.Stats(self.profile).sort_stats("cumulative").print_stats(self.top)


def _step_profiler(top: int) -> _StepProfiler:
    return _StepProfiler(top)


if __name__ == "__main__":
    main()
