"""The manual fallback: editors upload their own copy, typed by its bytes, size-limited."""

from __future__ import annotations

import hashlib
import http.client
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from app.archive.models import Artifact, ArtifactKind, Capture, CaptureOrigin, CaptureStatus
from app.archive.storage import rehash
from tests.editor.samples import samples
from tests.factories import CaptureFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, bytes, str]]:
    return samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture
def failed_source() -> Any:
    source = SourceFactory()
    CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class="login_wall")
    return source


@pytest.mark.parametrize("kind", ["png", "jpeg", "webp", "pdf", "html", "mp4", "webm"])
def test_an_uploaded_file_becomes_a_hashed_capture_marked_as_uploaded(
    client: Client, alice: Any, failed_source: Any, files: Any, kind: str
) -> None:
    name, data, media_type = files[kind]
    client.force_login(alice)
    response = client.post(
        reverse("editor:source_upload", args=[failed_source.pk]),
        # The client's claimed type is wrong on purpose: only the bytes count.
        {"file": SimpleUploadedFile(name, data, content_type="application/x-whatever")},
    )
    assert response.status_code == 302
    capture = Capture.objects.get(source=failed_source, origin=CaptureOrigin.UPLOAD)
    assert capture.status == CaptureStatus.SUCCEEDED and capture.requested_by == alice
    upload = capture.artifacts.exclude(kind=ArtifactKind.MANIFEST).get()
    assert upload.media_type == media_type
    assert upload.sha256 == hashlib.sha256(data).hexdigest() and upload.size == len(data)
    assert upload.how == "uploaded by alice" and upload.metadata["uploaded_by"] == "alice"
    assert rehash(upload) == (upload.sha256, upload.size)  # what is stored is what was sent
    manifest = capture.artifacts.get(kind=ArtifactKind.MANIFEST)
    assert capture.manifest_sha256 == manifest.sha256
    page = client.get(reverse("editor:source_upload", args=[failed_source.pk]))
    assert "uploaded by alice" in page.text and upload.sha256 in page.text


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("shot.png", b"MZ\x90\x00" + b"\x00" * 200),  # a Windows program named .png
        ("notes.pdf", b"PK\x03\x04" + b"\x00" * 200),  # a zip
        ("page.html", b"#!/bin/sh\nrm -rf /\n"),
        ("empty.png", b""),
    ],
)
def test_a_file_whose_bytes_are_not_an_accepted_type_is_refused(
    client: Client, alice: Any, failed_source: Any, name: str, data: bytes
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("editor:source_upload", args=[failed_source.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="image/png")},
    )
    assert response.status_code in (400, 415)
    assert "not accepted" in response.text or "Choose a file" in response.text
    assert not Capture.objects.filter(origin=CaptureOrigin.UPLOAD).exists()


def test_a_declared_200_mb_upload_is_refused_before_reading_the_body(
    client: Client, alice: Any, failed_source: Any
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("editor:source_upload", args=[failed_source.pk]),
        {"file": SimpleUploadedFile("big.mp4", b"\x00\x00\x00\x20ftypisom")},
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "The file is too large: uploads are limited to 100.0" in response.text
    assert not Capture.objects.filter(origin=CaptureOrigin.UPLOAD).exists()


def test_the_limit_is_also_enforced_while_the_file_streams_in(
    client: Client, alice: Any, failed_source: Any, settings: Any, files: Any
) -> None:
    settings.ARCHIVE_UPLOAD_MAX_BYTES = 2048
    _name, data, _type = files["mp4"]
    assert len(data) > 2048
    client.force_login(alice)
    response = client.post(
        reverse("editor:source_upload", args=[failed_source.pk]),
        {"file": SimpleUploadedFile("clip.mp4", data)},
    )
    assert response.status_code == 413
    assert "limited to 2.0" in response.text
    assert not Artifact.objects.filter(capture__origin=CaptureOrigin.UPLOAD).exists()


def test_a_malformed_upload_is_a_400_not_a_500(
    client: Client, alice: Any, failed_source: Any
) -> None:
    client.force_login(alice)
    response = client.generic(
        "POST",
        reverse("editor:source_upload", args=[failed_source.pk]),
        b"--xyz\r\nContent-Disposition: form-data; name=\r\n\r\n",
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 400


def test_an_upload_without_the_csrf_token_is_refused(
    alice: Any, failed_source: Any, files: Any
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    name, data, _type = files["png"]
    response = client.post(
        reverse("editor:source_upload", args=[failed_source.pk]),
        {"file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 403
    assert not Capture.objects.filter(origin=CaptureOrigin.UPLOAD).exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_200_mb_upload_is_refused_after_its_first_megabyte(
    live_server: Any, alice: Any, failed_source: Any
) -> None:
    """Over a real socket: the answer comes while the client is still sending."""
    client = Client()
    client.force_login(alice)
    session = client.cookies["sessionid"].value
    page = client.get(reverse("editor:source_upload", args=[failed_source.pk]))
    csrf = client.cookies["csrftoken"].value
    assert page.status_code == 200
    boundary = "trainedonboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    total = len(head) + 200 * 1024 * 1024
    address = urlsplit(live_server.url)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    conn.putrequest("POST", reverse("editor:source_upload", args=[failed_source.pk]))
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(total))
    conn.putheader("Cookie", f"sessionid={session}; csrftoken={csrf}")
    conn.putheader("X-CSRFToken", csrf)
    conn.endheaders()
    sent = len(head)
    conn.send(head)
    chunk = b"\x00" * (256 * 1024)
    for _ in range(4):  # one megabyte of the two hundred
        conn.send(chunk)
        sent += len(chunk)
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    assert response.status == 413
    assert "The file is too large" in body
    assert sent < 2 * 1024 * 1024  # answered long before the body could have arrived
    assert not Capture.objects.filter(origin=CaptureOrigin.UPLOAD).exists()
