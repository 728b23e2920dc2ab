"""Debian's chromium driven by Playwright: the one launch recipe every browser test uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


@contextmanager
def chromium(extra_args: list[str] | None = None, **launch: Any) -> Iterator[Any]:
    """A launched chromium, closed afterwards, with Django's connections released.

    Playwright's sync API runs an event loop in this thread, so the ORM needs
    DJANGO_ALLOW_ASYNC_UNSAFE; ORM calls made meanwhile use a connection of
    their own, which must be closed or PostgreSQL refuses to drop the test
    database at the end of the session.
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *(extra_args or [])], **launch
        )
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


def screenshot(page: Any, name: str, step: str) -> Path:
    """Save a full-page screenshot as test-results/screenshots/<name>-<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
