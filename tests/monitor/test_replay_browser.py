"""In a real chromium: an archived page replays through the vendored ReplayWeb.page on the
replay origin, and its scripts cannot reach the application's cookies, storage or endpoints.

The application is the live server at http://localhost:<port>; the replay origin is the same
server at http://127.0.0.1:<port>: another host, so another origin and another cookie jar
(service workers work on both, as loopback addresses are secure contexts).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Frame, Page

from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD
from tests.lib.servers import LocalServer, respond, serve
from tests.monitor.replay_world import CANARY_TEXT, archived_canary, canary_html

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COOKIE_SECRET = "main-origin-cookie-7f3a"
STORAGE_SECRET = "main-origin-storage-91c2"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def origins(live_server: Any, settings: Any) -> tuple[str, str]:
    app = live_server.url  # http://localhost:<port>
    port = urlsplit(app).port
    replay = f"http://127.0.0.1:{port}"
    settings.SITE_URL = app
    settings.REPLAY_ORIGIN = replay
    return app, replay


@pytest.fixture
def canary_site(origins: tuple[str, str], settings: Any) -> Iterator[LocalServer]:
    with serve({"/canary.html": respond(canary_html(origins[0]))}) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        yield server


def replayed_frame(page: Page, archived_url: str, timeout: float = 60) -> Frame:
    """The frame in which ReplayWeb.page shows the archived page, once its report is written."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame.url.endswith(archived_url):
                try:
                    if frame.inner_text("#report", timeout=500).startswith("done"):
                        return frame
                except Exception:
                    pass
        page.wait_for_timeout(250)
    raise AssertionError(f"no replayed frame for {archived_url}: {[f.url for f in page.frames]}")


def test_an_archived_page_replays_on_the_replay_origin_and_cannot_reach_the_app(
    browser: Browser,
    origins: tuple[str, str],
    canary_site: LocalServer,
    alice: Any,
    request: Any,
) -> None:
    app, replay = origins
    archived_url = canary_site.url_for("/canary.html")
    capture = archived_canary(archived_url)
    # alice is logged in on the application, which also keeps a readable cookie and storage.
    context = browser.new_context()
    context.add_cookies([{"name": "canary", "value": COOKIE_SECRET, "url": app}])
    page = context.new_page()
    page.goto(f"{app}/accounts/login/?next=/editor/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/editor/$"))
    editor_page = page.content()
    assert "Log out" in editor_page  # the session works on the application
    assert "sessionid" in {c["name"] for c in context.cookies(app)}
    page.evaluate(f"localStorage.setItem('trainedon-canary', '{STORAGE_SECRET}')")
    assert COOKIE_SECRET in page.evaluate("document.cookie")

    page.goto(app + f"/sources/{capture.source_id}/")
    link = page.get_by_role("link", name="Replay this page as archived")
    assert link.get_attribute("href") == f"{replay}/replay-page/{capture.pk}/"

    replay_page = context.new_page()
    logged: list[str] = []
    replay_page.on("console", lambda m: logged.append(f"{m.type}: {m.text}"))
    replay_page.on("pageerror", lambda e: logged.append(f"error: {e}"))
    context.on("request", lambda r: logged.append(f"request: {r.url}"))
    replay_page.goto(f"{replay}/replay-page/{capture.pk}/")
    try:
        frame = replayed_frame(replay_page, archived_url)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n" + "\n".join(logged[-60:])) from None
    screenshot(replay_page, request.node.name, "replay")

    # The archived page is there, as archived, with its script run...
    assert CANARY_TEXT in frame.inner_text("article")
    assert urlsplit(frame.url).netloc == urlsplit(replay).netloc
    report = frame.inner_text("#report")
    # ...and that script got nothing of the application.
    assert COOKIE_SECRET not in report and "sessionid" not in report
    assert "storage=null" in report and STORAGE_SECRET not in report
    assert "Log out" not in report and editor_page[-2000:] not in report
    lines = dict(line.split("=", 1) for line in report.splitlines()[1:])
    assert not lines["editor"].startswith("200"), lines["editor"]
    assert not lines["api"].startswith("2"), lines["api"]
    # The replay origin holds no cookie of the application's.
    replay_cookies = context.cookies(replay)
    assert all(c["value"] not in (COOKIE_SECRET,) for c in replay_cookies)
    assert "sessionid" not in {c["name"] for c in replay_cookies}
    context.close()
