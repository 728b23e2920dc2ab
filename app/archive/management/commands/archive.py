"""``manage.py archive URL``: capture one address now, print the capture as JSON.

A stable contract (DESIGN.md): exit 0 when the capture succeeded or was
partly archived, 1 when it failed (the error class is in the JSON and on
stderr), 2 for an address that is not http(s). No broker is needed. A capture with
files is timestamped here and now, by the same code as the worker's
(``stamp_after_capture``); an authority that fails is reported on stderr and
does not change the exit code (``manage.py stamp`` fills the gap later).
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from app.archive.models import WITH_FILES, Capture, CaptureOrigin
from app.archive.pipeline import run_capture_by_id
from app.archive.serializers import (
    COMMAND_ARTIFACT,
    COMMAND_CAPTURE,
    COMMAND_STEP,
    capture_to_dict,
)
from app.archive.services import request_capture
from app.archive.timestamps import stamp_after_capture
from app.catalog.services import source_get_or_create
from app.lib.urls import InvalidURL


def capture_json(capture: Capture) -> dict[str, Any]:
    """The capture, its steps and its artifacts, as plain JSON-ready data (the contract)."""
    return capture_to_dict(capture, COMMAND_CAPTURE, steps=COMMAND_STEP, artifacts=COMMAND_ARTIFACT)


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
        # The same stamping as the worker's, in the foreground (no broker here).
        stamped = stamp_after_capture(capture.pk, outcome.status, foreground=True)
        for url, error in (stamped.failed if stamped else {}).items():
            self.stderr.write(f"no timestamp from {url}: {error} (manage.py stamp retries)")
        capture.refresh_from_db()
        self.stdout.write(json.dumps(capture_json(capture), indent=2, ensure_ascii=False))
        if capture.status not in WITH_FILES:
            raise CommandError(
                f"capture failed: {capture.error_class}: {capture.error_text}", returncode=1
            )
