"""Fixtures shared by the monitor tests: the session's clips and a server showing them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.archive.models import Capture
from app.archive.pipeline import run_capture_by_id
from app.archive.services import request_capture
from app.catalog.models import Source
from tests.lib.servers import LocalServer, respond, serve
from tests.monitor.clips import Clips, clips, og_page, video_page

__all__ = ["clips", "run_capture", "video_site"]


@pytest.fixture
def video_site(clips: Clips, settings: Any) -> Iterator[LocalServer]:
    routes = {"/video.html": respond(video_page()), "/og.html": respond(og_page())}
    with serve(routes, directory=clips.root) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        yield server


def run_capture(source: Source, **kwargs: Any) -> Capture:
    """A capture of ``source`` run here and now, as a worker would."""
    capture = request_capture(source=source, enqueue=False, **kwargs)
    run_capture_by_id(capture.pk, attempts=1)
    capture.refresh_from_db()
    return capture
