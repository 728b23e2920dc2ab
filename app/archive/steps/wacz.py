"""The ``wacz`` step: the capture's WARCs packaged as a WACZ that other archives can open.

WACZ (Webrecorder) is a ZIP of the WARCs with a CDX index, ``pages/pages.jsonl``
and ``datapackage.json`` listing every file's digest; ReplayWeb.page,
Browsertrix and the auto-archiver read it. Made with Webrecorder's own
``wacz`` package from ``page.warc.gz`` (and ``subresources.warc.gz`` when the
browser step stored one), with one page entry for the captured address.
Stored as ``page.wacz`` (kind ``wacz``) before the manifest, so the manifest
lists it with its SHA-256. ``wacz validate`` accepts it (tests).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import tempfile
import uuid
from importlib.metadata import version
from pathlib import Path

from django.conf import settings

from app.archive.models import ArtifactKind, ErrorClass
from app.archive.serializers import iso_utc
from app.archive.steps.base import CaptureContext, Step, StepFailed, StepOutcome
from app.archive.storage import open_artifact
from app.archive.warc import warc_date

WACZ_NAME = "page.wacz"
WARC_NAMES = ("page.warc.gz", "subresources.warc.gz")


@functools.lru_cache(maxsize=1)
def wacz_version() -> str:
    try:
        return version("wacz")
    except Exception:
        return ""


def _pages(url: str, ts: str, title: str) -> str:
    header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    page = {"id": uuid.uuid4().hex, "url": url, "ts": ts, "title": title or url}
    return json.dumps(header) + "\n" + json.dumps(page, ensure_ascii=False) + "\n"


def run_wacz(*args: str) -> tuple[int, str]:
    """Webrecorder's ``wacz`` command, in this process; (exit code, what it printed)."""
    from wacz.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(args))
    return int(code or 0), out.getvalue()


def run(ctx: CaptureContext) -> StepOutcome:
    assert ctx.fetch is not None
    capture = ctx.capture
    warcs = [ctx.artifacts[name] for name in WARC_NAMES if name in ctx.artifacts]
    # The page's time is its response record's WARC-Date (replay looks it up by it).
    final = ctx.fetch.hops[-1] if ctx.fetch.hops else None
    ts = warc_date(final.started_at) if final else (iso_utc(capture.started_at) or "")
    with tempfile.TemporaryDirectory(prefix="wacz-") as work:
        inputs = []
        for artifact in warcs:
            path = Path(work) / artifact.name
            with open_artifact(artifact) as source, path.open("wb") as target:
                for chunk in iter(lambda: source.read(1024 * 1024), b""):
                    target.write(chunk)
            inputs.append(str(path))
        pages = Path(work) / "pages.jsonl"
        title = capture.source.title if capture.source_id else ""
        pages.write_text(_pages(ctx.fetch.url, ts, title), encoding="utf-8")
        output = Path(work) / WACZ_NAME
        code, printed = run_wacz("create", "-o", str(output), *inputs, "-p", str(pages))
        if code != 0 or not output.exists():
            raise StepFailed(ErrorClass.INTERNAL, f"wacz create failed: {printed[-500:]}")
        ctx.store(
            kind=ArtifactKind.WACZ,
            name=WACZ_NAME,
            path=str(output),
            media_type="application/zip",
            derived_from=warcs[0],
            how=f"wacz {wacz_version()} create (WARCs, CDX index, pages.jsonl, datapackage.json)",
        )
    return StepOutcome(details={"warcs": [w.name for w in warcs]}, tool_version=wacz_version())


def should_run(ctx: CaptureContext) -> bool:
    return (
        ctx.fetch is not None
        and "page.warc.gz" in ctx.artifacts
        and bool(getattr(settings, "ARCHIVE_WACZ_STEP", True))
    )


def time_limit() -> float:
    return float(settings.ARCHIVE_STEP_TIME_LIMIT)


STEP = Step(
    name="wacz",
    run=run,
    should_run=should_run,
    tool="wacz",
    version=wacz_version,
    time_limit=time_limit,
)
