"""Where the browser step's CPU goes, per phase and per process, one capture at a time.

    .venv/bin/python bench/browser_profile.py [--pages 20] [--delay 0.05] [--chromium-arg=--flag]

Serves ``bench/archive.py``'s generated article pages on loopback, renders them
one after another in one reused ``BrowserSession`` (a fresh context each, the
way the worker does) and reads, around each phase of ``BrowserSession._render``
(new context + page, load, screenshot, PDF, context close), then the step's
stamp and hashing, the CPU seconds of: Chromium's processes by ``--type``
(browser, renderer, gpu-process, utility...), the Playwright driver (node)
and this Python process (Playwright's client, the egress proxy, Pillow).
Prints the mean CPU milliseconds per page in a table (phase x process) and the
load average. Numbers only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TICKS = os.sysconf("SC_CLK_TCK")


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def snapshot(group: int, own: int) -> dict[str, tuple[str, float]]:
    """CPU seconds so far of each process, with its kind: Chromium's group by --type,
    the Playwright driver (node), and this Python process (all its threads).

    A process that exits between two snapshots (a renderer closed with its
    context) loses its last ticks: the close phase reads a little low."""
    found: dict[str, tuple[str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = stat.parent.name
        ppid, pgrp = int(fields[1]), int(fields[2])
        used = (int(fields[11]) + int(fields[12])) / TICKS
        if pgrp == group:
            line = _cmdline(pid)
            if not line:
                continue
            kind = "browser"
            for part in line.split():
                if part.startswith("--type="):
                    kind = part.removeprefix("--type=")
            if "--top-chrome-webui" in line:
                kind = "webui renderer"  # full Chromium's own browser UI, per window
            if kind == "utility":
                for part in line.split():
                    if part.startswith("--utility-sub-type="):
                        kind = part.rsplit(".", 1)[-1][:18]
            found[pid] = (kind, used)
        elif ppid == own and "node" in _cmdline(pid):
            found[pid] = ("node driver", used)
    found["self"] = ("python", time.process_time())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--warm", type=int, default=3, help="captures first, not counted")
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--chromium-arg", action="append", default=[])
    parser.add_argument("--browser", default="", help="a Chromium binary (default ARCHIVE_BROWSER)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="trainedon-profile-"))
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> None:
    from archive import SlowServer, article, setup_django

    setup_django(workdir, None)
    from django.conf import settings

    from app.archive import browser as browser_module
    from app.archive.browser import BrowserSession
    from app.archive.steps.browser import stamp

    if args.chromium_arg:
        browser_module.CHROMIUM_ARGS.extend(args.chromium_arg)
    rng = random.Random(args.seed)
    total = args.pages + args.warm
    pages = {f"/articles/{n}": article(n, rng.randint(50_000, 300_000), rng) for n in range(total)}
    server = SlowServer(pages, args.delay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ARCHIVE_ALLOW_HOSTS = [f"127.0.0.1:{server.server_address[1]}"]

    session = BrowserSession(args.browser or settings.ARCHIVE_BROWSER).start()
    assert session.process is not None
    group, own = session.process.pid, os.getpid()
    costs: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    walls: dict[str, float] = defaultdict(float)
    state: dict[str, object] = {}

    def mark(phase: str) -> None:
        now, clock = snapshot(group, own), time.monotonic()
        if state.get("counting"):
            before = state["last"]
            assert isinstance(before, dict)
            for pid, (kind, value) in now.items():
                costs[phase][kind] += value - before.get(pid, (kind, 0.0))[1]
            walls[phase] += clock - float(state["clock"])  # type: ignore[arg-type]
        state["last"], state["clock"] = now, clock

    session.on_phase = mark
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"{session.executable}: Chromium {session.version}; extra flags: {args.chromium_arg or 'none'}"
    )
    sizes = []
    started = time.monotonic()
    for number, (path, body) in enumerate(pages.items()):
        state["counting"] = number >= args.warm
        if number == args.warm:
            started = time.monotonic()
        mark("(between)")
        rendering = session.render(
            url=server.url(path),
            status=200,
            headers=[("Content-Type", "text/html; charset=utf-8")],
            body=body,
            timeout=60,
        )
        mark("(render return)")
        screenshot = stamp(rendering.png, server.url(path), datetime.now(UTC))
        mark("stamp (Pillow)")
        hashlib.sha256(screenshot).hexdigest()
        hashlib.sha256(rendering.pdf).hexdigest()
        mark("sha256")
        if state["counting"]:
            sizes.append((len(rendering.png), len(screenshot), len(rendering.pdf)))
    wall = time.monotonic() - started
    session.close()
    server.shutdown()

    n = args.pages
    kinds = sorted({k for phase in costs.values() for k in phase}, key=lambda k: k != "python")
    order = [
        "context",
        "load",
        "screenshot",
        "pdf",
        "close",
        "(render return)",
        "stamp (Pillow)",
        "sha256",
        "(between)",
    ]
    print(f"{n} pages, {wall:.1f} s, mean CPU ms per page by phase (rows) and process (columns)")
    print(f"{'phase':<18}" + "".join(f"{k[:14]:>15}" for k in kinds) + f"{'total':>9}{'wall':>8}")
    column = defaultdict(float)
    for phase in order:
        row = costs.get(phase, {})
        cells = "".join(f"{row.get(k, 0) / n * 1000:>15.0f}" for k in kinds)
        for k in kinds:
            column[k] += row.get(k, 0)
        total = sum(row.values()) / n * 1000
        print(f"{phase:<18}{cells}{total:>9.0f}{walls[phase] / n * 1000:>8.0f}")
    grand = sum(column.values()) / n * 1000
    print(
        f"{'all':<18}"
        + "".join(f"{column[k] / n * 1000:>15.0f}" for k in kinds)
        + f"{grand:>9.0f}{wall / n * 1000:>8.0f}"
    )
    png = sum(s[0] for s in sizes) / len(sizes) / 1024
    stamped = sum(s[1] for s in sizes) / len(sizes) / 1024
    pdf = sum(s[2] for s in sizes) / len(sizes) / 1024
    print(
        f"mean sizes: Chromium's PNG {png:.0f} KB, stamped PNG {stamped:.0f} KB, PDF {pdf:.0f} KB"
    )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
