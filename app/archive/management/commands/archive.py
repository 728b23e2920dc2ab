"""``manage.py archive URL``: capture one address now, print the capture as JSON.

A stable contract (DESIGN.md): exit 0 when the capture succeeded or was
partly archived, 1 when it failed (the error class is in the JSON and on
stderr), 2 for an address that is not http(s). No broker is needed.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from app.archive.models import WITH_FILES, Capture, CaptureOrigin
from app.archive.pipeline import run_capture_by_id
from app.archive.services import request_capture
from app.catalog.services import source_get_or_create
from app.lib.urls import InvalidURL


def capture_json(capture: Capture) -> dict[str, Any]:
    """The capture, its steps and its artifacts, as plain JSON-ready data."""
    return {
        "capture_id": capture.pk,
        "source_id": capture.source_id,
        "url": capture.requested_url,
        "final_url": capture.final_url,
        "http_status": capture.http_status,
        "status": capture.status,
        "error_class": capture.error_class,
        "error_text": capture.error_text,
        "attempts": capture.attempts,
        "started_at": capture.started_at.isoformat() if capture.started_at else None,
        "finished_at": capture.finished_at.isoformat() if capture.finished_at else None,
        "redirect_chain": capture.redirect_chain,
        "manifest_sha256": capture.manifest_sha256,
        "text_sha256": capture.text_sha256,
        "tool_versions": capture.tool_versions,
        "steps": [
            {
                "name": s.name,
                "status": s.status,
                "tool": s.tool,
                "tool_version": s.tool_version,
                "started_at": s.started_at.isoformat() if s.started_at else None,
                "finished_at": s.finished_at.isoformat() if s.finished_at else None,
                "error_class": s.error_class,
                "error_text": s.error_text,
            }
            for s in capture.steps.all()
        ],
        "artifacts": [
            {
                "name": a.name,
                "kind": a.kind,
                "media_type": a.media_type,
                "size": a.size,
                "sha256": a.sha256,
                "storage_key": a.storage_key,
            }
            for a in capture.artifacts.all()
        ],
    }


class Command(BaseCommand):
    help = "Capture one address synchronously and print the capture as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument(
            "--retries",
            type=int,
            default=0,
            help="Retry transient failures this many times, waiting out the backoff.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                source = source_get_or_create(url=options["url"]).source
                capture = request_capture(
                    source=source, origin=CaptureOrigin.COMMAND, enqueue=False
                )
        except InvalidURL as exc:
            raise CommandError(str(exc), returncode=2) from exc
        attempts = max(options["retries"], 0) + 1
        outcome = run_capture_by_id(capture.pk, attempts=attempts)
        while outcome.retry_in is not None:
            time.sleep(outcome.retry_in)
            outcome = run_capture_by_id(capture.pk, attempts=attempts)
        capture.refresh_from_db()
        self.stdout.write(json.dumps(capture_json(capture), indent=2, ensure_ascii=False))
        if capture.status not in WITH_FILES:
            raise CommandError(
                f"capture failed: {capture.error_class}: {capture.error_text}", returncode=1
            )
