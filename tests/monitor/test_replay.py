"""Replay lives on REPLAY_ORIGIN only: the middleware's two-way wall, the WACZ with ranges,
the public-only rule, and the archived-copy page's offer (Django's test client)."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT, worker_env
from tests.lib.servers import LocalServer, respond, serve
from tests.monitor.replay_world import archived_canary, canary_html

pytestmark = pytest.mark.django_db

REPLAY = "http://replay.testserver"
APP = "http://testserver"


@pytest.fixture
def canary_site(settings: Any) -> Iterator[LocalServer]:
    with serve({"/canary.html": respond(canary_html(APP))}) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        yield server


@pytest.fixture
def replay_on(settings: Any) -> None:
    settings.REPLAY_ORIGIN = REPLAY
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "replay.testserver"]


def on_replay(client: Any, path: str, **headers: Any) -> Any:
    return client.get(path, HTTP_HOST="replay.testserver", **headers)


def test_the_replay_origin_serves_the_player_and_the_wacz_and_nothing_else(
    client: Any, canary_site: LocalServer, replay_on: None
) -> None:
    capture = archived_canary(canary_site.url_for("/canary.html"))

    page = on_replay(client, f"/replay-page/{capture.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-source="/replay-page/{capture.pk}/page.wacz"' in html
    assert f'data-url="{canary_site.url_for("/canary.html")}"' in html
    assert (
        "'unsafe-inline'"
        not in page["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert "sessionid" not in page.cookies and "csrftoken" not in page.cookies

    for name, start in (("ui.js", b""), ("sw.js", b"")):
        asset = on_replay(client, f"/replay/{name}")
        assert asset.status_code == 200 and asset["Content-Type"].startswith("text/javascript")
        assert start == b"" and len(b"".join(asset.streaming_content)) > 100_000

    whole = on_replay(client, f"/replay-page/{capture.pk}/page.wacz")
    data = b"".join(whole.streaming_content)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert "pages/pages.jsonl" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    part = on_replay(client, f"/replay-page/{capture.pk}/page.wacz", HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}"
    bad = on_replay(client, f"/replay-page/{capture.pk}/page.wacz", HTTP_RANGE="bytes=999999-")
    assert bad.status_code == 416

    # Nothing of the application answers on the replay origin...
    for path in ("/", f"/sources/{capture.source_id}/", "/accounts/login/", "/api/v1/claims"):
        refused = on_replay(client, path)
        assert refused.status_code == 404, path
        assert b"replay origin" in refused.content
    # ...and nothing of replay on the application's.
    for path in (f"/replay-page/{capture.pk}/", "/replay/sw.js", "/replay/ui.js"):
        assert client.get(path).status_code == 404, path


def test_replay_is_off_everywhere_without_a_replay_origin_and_the_page_says_why(
    client: Any, canary_site: LocalServer, settings: Any
) -> None:
    settings.REPLAY_ORIGIN = ""
    capture = archived_canary(canary_site.url_for("/canary.html"))

    assert client.get(f"/replay-page/{capture.pk}/").status_code == 404
    assert client.get("/replay/sw.js").status_code == 404
    page = client.get(f"/sources/{capture.source_id}/").content.decode()
    assert "Replay as archived is off on this site" in page
    assert "/replay-page/" not in page


def test_the_archived_copy_page_links_to_the_replay_origin(
    client: Any, canary_site: LocalServer, replay_on: None
) -> None:
    capture = archived_canary(canary_site.url_for("/canary.html"))

    page = client.get(f"/sources/{capture.source_id}/").content.decode()
    assert f'href="{REPLAY}/replay-page/{capture.pk}/"' in page
    assert "Replay this page as archived" in page


def test_a_source_that_is_not_public_does_not_replay(
    client: Any, canary_site: LocalServer, replay_on: None, alice: Any
) -> None:
    capture = archived_canary(canary_site.url_for("/canary.html"), public=False)

    assert on_replay(client, f"/replay-page/{capture.pk}/").status_code == 404
    assert on_replay(client, f"/replay-page/{capture.pk}/page.wacz").status_code == 404
    assert on_replay(client, "/replay-page/999999/").status_code == 404
    client.force_login(alice)  # the editor sees the draft's archived copy, without a link
    page = client.get(f"/sources/{capture.source_id}/").content.decode()
    assert "Replay as archived opens once this source is public" in page


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ("http://127.0.0.1:9000", "another host name than SITE_URL"),
        ("http://replay.example/path", "must be an origin"),
        ("ftp://replay.example", "must be an origin"),
    ],
)
def test_settings_refuse_a_replay_origin_on_the_sites_host_or_not_an_origin(
    origin: str, message: str
) -> None:
    env = worker_env({"REPLAY_ORIGIN": origin, "SITE_URL": "http://127.0.0.1:8000"})
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "app.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert message in done.stderr
