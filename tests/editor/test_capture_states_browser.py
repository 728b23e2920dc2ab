"""Failed captures on the workspace in chromium (issue 15, problem 8): plain words
first, the technical detail one click away, Retry only where it can succeed, and a
retry that swaps the card in place; at 390, 768 and 1366 px with axe-core."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from app.archive.models import Capture, CaptureStatus, ErrorClass
from tests.browser import check_page, chromium
from tests.conftest import PASSWORD
from tests.factories import CaptureFactory, SourceFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_failed_captures_on_the_workspace(browser: Any, live_server: Any, alice: Any) -> None:
    blocked = SourceFactory(
        url="http://127.0.0.1:8400/x",
        normalized_url="http://127.0.0.1:8400/x",
        title="A page on a local address",
        added_by=alice,
    )
    CaptureFactory(
        source=blocked,
        status=CaptureStatus.FAILED,
        error_class=ErrorClass.BLOCKED_ADDRESS,
        error_text="refusing 127.0.0.1:8400: loopback",
    )
    slow = SourceFactory(title="A slow page", added_by=alice)
    CaptureFactory(
        source=slow,
        status=CaptureStatus.FAILED,
        error_class=ErrorClass.TIMEOUT,
        error_text="ReadTimeout after 30 s",
    )
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/editor/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/editor/$"))
    check_page(page, page.url, "editor-failed-captures")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.url)
    blocked_card = page.locator(f'[data-source="{blocked.pk}"]').first
    text = blocked_card.inner_text()
    assert "TrainedOn does not archive private or local network addresses." in text
    assert "loopback" not in text  # hidden until asked for
    assert blocked_card.get_by_role("button", name="Retry archiving").count() == 0
    blocked_card.locator("summary").click()
    assert "refusing 127.0.0.1:8400: loopback" in blocked_card.inner_text()

    slow_card = page.locator(f'[data-source="{slow.pk}"]').first
    assert "The site took too long to answer" in slow_card.inner_text()
    slow_card.get_by_role("button", name="Retry archiving").click()
    page.locator(f'[data-source="{slow.pk}"][data-status="queued"]').first.wait_for()
    assert Capture.objects.filter(source=slow, status=CaptureStatus.QUEUED).count() == 1
    context.close()
