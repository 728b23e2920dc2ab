"""PROV-JSON and the claim page's ClaimReview for one claim with N and 10 N evidence items.

Each size builds, on a scratch SQLite database (or ``DATABASE_URL``: give one you may
fill), a published claim with N items, each on its own source with one capture and two
files (the three stances in turn), then times (median of 3) the PROV-JSON as the API
streams it (``claim_lineage``, each piece read and dropped), an uncached GET of the claim
page (whose JSON-LD is the ClaimReview; each stance's first 25 items) and of page 2 of the
supporting items' list, and prints the tracemalloc peak of each, their sizes (and the JSON-LD's),
query counts and the load average. Numbers only.

    .venv/bin/python bench/large_exports.py                  # N = 200, 2000
    .venv/bin/python bench/large_exports.py --no-page 20000  # PROV only
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _measure(call: Callable[[], Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()  # warm up
    times = []
    for _ in range(3):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    with CaptureQueriesContext(connection) as seen:
        result = call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = len(result.content) if hasattr(result, "content") else result
    out = {"median_s": round(statistics.median(times), 3), "peak_kb": round(peak / 1024),
           "bytes": size, "queries": len(seen.captured_queries)}  # fmt: skip
    if hasattr(result, "content"):
        page = result.content.decode()
        start = page.index('"@type": "ClaimReview"') if '"@type": "ClaimReview"' in page else -1
        out["json_ld_bytes"] = len(
            page[page.rfind("<script", 0, start) : page.find("</script>", start)]
        )
    return out


def child(n: int, with_page: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from app.catalog.choices import Stance
    from app.ledgerdata.prov import claim_lineage
    from app.public.cache import bump_version
    from tests.ledgerdata.test_large_exports import build_claim

    build_claim("bench", n, tuple(Stance.values))  # the three stances in turn
    client = Client()

    def page() -> Any:
        bump_version()  # uncached every time
        return client.get("/claims/bench/")

    def stance_list() -> Any:
        bump_version()
        return client.get("/claims/bench/evidence/supports/?page=2")

    def prov() -> int:
        return sum(len(piece) for piece in claim_lineage("bench"))  # streamed, as the API does

    result: dict[str, Any] = {"items": n, "prov_streamed": _measure(prov)}
    if with_page:
        result["claim_page_with_claimreview"] = _measure(page)
        result["stance_list_page_2"] = _measure(stance_list)
    print(json.dumps(result))


def main() -> None:
    if os.environ.get("BENCH_CHILD"):
        child(int(sys.argv[1]), sys.argv[2] == "page")
        return
    with_page = "--no-page" not in sys.argv
    sizes = [int(a) for a in sys.argv[1:] if a != "--no-page"] or [200, 2000]
    print(f"load average before: {os.getloadavg()}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "BENCH_CHILD": "1", "DATA_DIR": tmp}
            if not os.environ.get("DATABASE_URL"):
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            mode = "page" if with_page else "prov"
            subprocess.run([sys.executable, __file__, str(n), mode], env=env, check=True, cwd=ROOT)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
