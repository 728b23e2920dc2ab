"""A reader's browser opens the archived copy of a page with a script: the script never runs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from app.archive.models import CaptureStatus
from tests.browser import SCREENSHOTS as SHOTS
from tests.browser import chromium
from tests.factories import EvidenceFactory
from tests.lib.servers import respond, serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader_page(live_server):
    """A reader's Chromium, closed before the live server stops."""
    with chromium() as browser:
        context = browser.new_context(accept_downloads=True)
        yield context.new_page()


def test_a_script_in_an_archived_page_never_runs_on_the_site(
    site, archive, no_browser, live_server, reader_page, settings
):
    settings.ALLOWED_HOSTS = ["*"]
    with serve({"/marker": respond("seen")}) as marker:
        script = (
            "<script>document.title='pwned'; localStorage.setItem('pwned', '1');"
            f"fetch('{marker.url_for('/marker')}');"
            "document.body.insertAdjacentHTML('beforeend', '<p id=ran>script ran</p>')</script>"
        )
        body = (
            "<html><head><title>Leaked memo</title></head><body><article><h1>Leaked memo</h1>"
            "<p>The memo says the model was trained on recorded streams of popular games, "
            "including hours of footage from well-known creators, without any licence.</p>"
            f"{script}</article></body></html>"
        )
        site.routes["/memo"] = respond(body)
        capture, _ = archive(site.url_for("/memo"))
        assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
        EvidenceFactory(source_id=capture.source_id)
        SHOTS.mkdir(parents=True, exist_ok=True)

        page_url = live_server.url + reverse("archive:source", args=[capture.source_id])
        reader_page.goto(page_url)
        reader_page.screenshot(path=SHOTS / "test_a_script_never_runs-archived-copy.png")

        assert "Archived copy" in reader_page.title()
        assert "trained on recorded streams" in reader_page.inner_text("pre.archived-text")
        assert reader_page.locator("#ran").count() == 0
        assert reader_page.evaluate("localStorage.getItem('pwned')") is None

        raw = capture.artifacts.get(name="page.html")
        raw_url = live_server.url + reverse("archive:artifact", args=[raw.pk, raw.name])
        with reader_page.expect_download() as download:
            reader_page.evaluate("url => { window.location.href = url }", raw_url)
        assert download.value.suggested_filename == "page.html"
        with reader_page.expect_download():  # asking for it inline changes nothing
            reader_page.evaluate("url => { window.location.href = url }", raw_url + "?download=0")
        reader_page.goto(page_url)
        reader_page.screenshot(path=SHOTS / "test_a_script_never_runs-after-download.png")

        assert reader_page.title() != "pwned"
        assert reader_page.evaluate("localStorage.getItem('pwned')") is None
        assert marker.requests == []
