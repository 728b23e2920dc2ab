"""A bounded browser pool: many capture threads share a few browsers, one capture at a time."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.conf import settings

from app.archive.browser import BrowserProvider, BrowserUnavailable

pytestmark = pytest.mark.browser

PAGE = b"<!doctype html><title>pooled</title><p>One of many captures.</p>"


@pytest.fixture
def executable() -> str:
    path = settings.ARCHIVE_BROWSER
    if not os.path.isfile(path):
        pytest.skip("Debian's chromium is not installed")
    return str(path)


def render(provider: BrowserProvider, url: str, in_use: list[int], lock: Any) -> tuple[int, str]:
    session = provider.session()
    with lock:
        in_use.append(1)
        busy = len(in_use)
    try:
        rendering = session.render(
            url=url, status=200, headers=[("Content-Type", "text/html")], body=PAGE, timeout=60
        )
    except Exception:
        provider.discard(session)
        raise
    finally:
        with lock:
            in_use.pop()
    provider.release(session)
    assert rendering.png.startswith(b"\x89PNG") and rendering.pdf.startswith(b"%PDF")
    return busy, str(id(session))


def test_six_threads_share_two_browsers_never_two_captures_on_one(executable: str) -> None:
    provider = BrowserProvider(executable, max_uses=100, pool_size=2)
    in_use: list[int] = []
    lock = threading.Lock()
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(
                pool.map(
                    lambda n: render(provider, f"http://pooled.test/{n}", in_use, lock), range(6)
                )
            )
        assert max(busy for busy, _ in results) <= 2  # never more browsers busy than the pool
        assert len({session for _, session in results}) <= 2  # and never more launched
        assert len(provider._idle) == len(provider._all) <= 2
    finally:
        provider.close()


def test_a_discarded_browser_frees_its_place_and_a_used_up_one_is_replaced(
    executable: str,
) -> None:
    provider = BrowserProvider(executable, max_uses=1, pool_size=1, wait=5)
    try:
        first = provider.session()
        provider.discard(first)  # after a failure
        assert not first.alive
        second = provider.session()  # the slot came back: no wait, a new browser
        assert second is not first
        with pytest.raises(BrowserUnavailable, match="no browser of the pool came free"):
            BrowserProvider.session(provider)  # the only one is lent out
        second.render(url="http://pooled.test/", status=200, headers=[], body=PAGE, timeout=60)
        provider.release(second)  # used up (max_uses=1): closed, its slot freed
        assert not second.alive and provider._all == []
        third = provider.session()
        assert third is not second and third.alive
        provider.release(third)
    finally:
        provider.close()
