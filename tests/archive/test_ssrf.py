"""Every way to make the archiver (or its browser) read an internal address is refused.

The servers here listen on 127.0.0.1 but are *not* on the allow list (except
the "site"), so they stand for internal services. ``loopback_only`` guards
the test itself: a bug that let a packet leave the machine fails the test.
"""

from __future__ import annotations

import pytest

from app.archive.models import CaptureStatus, ErrorClass
from tests.archive.conftest import make_png
from tests.lib.servers import (  # noqa: F401  (loopback_only_guard provides loopback_only)
    loopback_only_guard,
    redirect,
    respond,
    serve,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_only")]


@pytest.fixture
def internal():
    """A service on loopback that the archiver must never reach."""
    with serve({"/*": respond("internal secret")}) as server:
        yield server


@pytest.mark.parametrize(
    "spelling",
    [
        "2130706433",  # 127.0.0.1 in decimal
        "0177.0.0.1",  # octal
        "0x7f.0.0.1",  # hex
        "127.1",  # short form
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "[::ffff:7f00:1]",  # the same, in hex
    ],
)
def test_it_refuses_a_loopback_address_however_it_is_spelled(
    archive, internal, no_browser, spelling
):
    capture, outcome = archive(f"http://{spelling}:{internal.port}/admin", attempts=1)

    assert capture.status == CaptureStatus.FAILED
    assert capture.error_class == ErrorClass.BLOCKED_ADDRESS
    assert outcome.retry_in is None
    assert internal.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0/",
    ],
)
def test_it_refuses_private_and_metadata_addresses_without_connecting(archive, no_browser, url):
    capture, _ = archive(url, attempts=1)

    assert (capture.status, capture.error_class) == ("failed", ErrorClass.BLOCKED_ADDRESS)


def test_it_refuses_a_hostname_that_resolves_to_loopback(archive, internal, no_browser):
    capture, _ = archive(internal.url_for("/admin", host="localhost"))

    assert capture.error_class == ErrorClass.BLOCKED_ADDRESS
    assert "loopback" in capture.error_text
    assert internal.connections == 0


def test_it_refuses_a_redirect_to_the_cloud_metadata_address(site, archive, no_browser):
    site.routes["/innocent"] = redirect("http://169.254.169.254/latest/meta-data/iam/")

    capture, _ = archive(site.url_for("/innocent"))

    assert capture.status == CaptureStatus.FAILED
    assert capture.error_class == ErrorClass.BLOCKED_ADDRESS
    assert capture.redirect_chain == [
        {
            "url": site.url_for("/innocent"),
            "status": 302,
            "location": "http://169.254.169.254/latest/meta-data/iam/",
            "ip": "127.0.0.1",
        }
    ]
    assert capture.artifacts.count() == 0


def test_it_refuses_a_redirect_to_an_internal_service(site, archive, internal, no_browser):
    site.routes["/jump"] = redirect(internal.url_for("/admin"))

    capture, _ = archive(site.url_for("/jump"))

    assert capture.error_class == ErrorClass.BLOCKED_ADDRESS
    assert internal.connections == 0


@pytest.mark.browser
def test_the_browser_never_loads_an_image_from_a_loopback_address(site, archive, internal):
    page = f'<html><body><h1>Chart</h1><img src="{internal.url_for("/secret.png")}"></body></html>'
    site.routes["/chart"] = respond(page)

    capture, _ = archive(site.url_for("/chart"))

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    browser = capture.steps.get(name="browser")
    assert browser.status == "succeeded"
    assert {"host": "127.0.0.1", "port": internal.port, "reason": "loopback"} in browser.details[
        "refused"
    ]
    assert internal.connections == 0
    assert capture.artifacts.filter(name="screenshot.png").exists()


@pytest.mark.browser
def test_the_browser_never_follows_an_allowed_image_that_redirects_to_loopback(
    site, archive, internal
):
    site.routes["/pic.png"] = redirect(internal.url_for("/secret.png"))
    site.routes["/ok.png"] = respond(make_png(), content_type="image/png")
    page = '<html><body><h1>Chart</h1><img src="/pic.png"><img src="/ok.png"></body></html>'
    site.routes["/chart"] = respond(page)

    capture, _ = archive(site.url_for("/chart"))

    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    paths = [r.path for r in site.requests]
    assert "/pic.png" in paths and "/ok.png" in paths  # the allowed server was asked
    assert internal.connections == 0  # its redirect target never was
    refused = capture.steps.get(name="browser").details["refused"]
    assert {"host": "127.0.0.1", "port": internal.port, "reason": "loopback"} in refused
