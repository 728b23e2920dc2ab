"""ARCHIVE_STORAGE=s3 against a real S3 server (moto's, over HTTP on loopback).

Every file goes through the S3 API: each test checks the bucket itself, not
only what our code says it did. A video larger than the multipart threshold
goes up in parts; reads stream in bounded memory; downloads are redirects to
signed URLs that the S3 server answers with the type and disposition we set.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from app.archive.models import Artifact, ArtifactKind, Capture, CaptureStatus
from app.archive.package import verify_package
from app.archive.pipeline import run_capture_by_id
from app.archive.s3 import ArchiveS3Storage
from app.archive.services import request_capture
from app.archive.storage import open_artifact, rehash, sha256_bytes, store_artifact
from app.catalog.choices import PublicationState
from tests.archive.conftest import S3_TEST_MULTIPART_THRESHOLD
from tests.conftest import wait_for
from tests.factories import CaptureFactory, EvidenceFactory, SourceFactory
from tests.lib.s3server import S3Server
from tests.lib.servers import LocalServer, serve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("s3_storage")]


@pytest.fixture(scope="module")
def big_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real H.264 MP4 of about 14 MiB (noise does not compress): above the threshold."""
    import imageio_ffmpeg

    root = tmp_path_factory.mktemp("big-video")
    path = root / "big.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25,noise=alls=60:allf=t", "-t", "2",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
         "-g", "25", "-movflags", "+faststart", str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    assert path.stat().st_size > 2 * S3_TEST_MULTIPART_THRESHOLD
    return path


@pytest.fixture
def video_site(big_video: Path, settings: Any) -> Iterator[LocalServer]:
    with serve({}, directory=big_video.parent) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        settings.ARCHIVE_BROWSER_STEP = False
        yield server


def in_bucket(s3_server: S3Server, bucket: str, key: str) -> dict[str, Any]:
    """The object's HEAD, straight from the S3 server."""
    head: dict[str, Any] = s3_server.client().head_object(Bucket=bucket, Key=key)
    return head


def new_capture() -> Capture:
    return CaptureFactory(source=SourceFactory(), status=CaptureStatus.SUCCEEDED, attempts=1)


def test_the_default_storage_is_the_streaming_s3_backend(s3_storage: str) -> None:
    default_storage.exists("anything")  # the lazy object resolves
    assert isinstance(default_storage._wrapped, ArchiveS3Storage)
    assert default_storage.bucket_name == s3_storage


def test_a_stored_file_is_in_the_bucket_and_reads_back_with_its_hash(
    s3_server: S3Server, s3_storage: str
) -> None:
    data = b"<html><body>An archived page.</body></html>"
    artifact = store_artifact(
        capture=new_capture(), kind=ArtifactKind.HTML, name="page.html", data=data
    )
    assert artifact.sha256 == sha256_bytes(data)
    head = in_bucket(s3_server, s3_storage, artifact.storage_key)
    assert head["ContentLength"] == len(data)
    body = s3_server.client().get_object(Bucket=s3_storage, Key=artifact.storage_key)["Body"]
    assert body.read() == data
    with open_artifact(artifact) as handle:
        assert handle.read() == data
    assert rehash(artifact) == (artifact.sha256, artifact.size)


def test_the_same_bytes_twice_are_one_object(s3_server: S3Server, s3_storage: str) -> None:
    data = b"identical bytes"
    first = store_artifact(capture=new_capture(), kind=ArtifactKind.TEXT, name="a.txt", data=data)
    second = store_artifact(capture=new_capture(), kind=ArtifactKind.TEXT, name="b.txt", data=data)
    assert first.pk != second.pk
    listed = s3_server.client().list_objects_v2(Bucket=s3_storage)["Contents"]
    assert [o["Key"] for o in listed] == [first.storage_key] == [second.storage_key]


def test_a_missing_object_reads_as_file_not_found(s3_server: S3Server, s3_storage: str) -> None:
    artifact = store_artifact(
        capture=new_capture(), kind=ArtifactKind.TEXT, name="gone.txt", data=b"soon gone"
    )
    s3_server.client().delete_object(Bucket=s3_storage, Key=artifact.storage_key)
    with pytest.raises(FileNotFoundError):
        open_artifact(artifact)


def test_a_captured_video_above_the_threshold_goes_up_as_a_multipart_upload(
    s3_server: S3Server, s3_storage: str, video_site: LocalServer, big_video: Path
) -> None:
    source = SourceFactory(url=video_site.url_for("/big.mp4"))
    capture = request_capture(source=source, enqueue=False)
    run_capture_by_id(capture.pk, attempts=1)
    capture.refresh_from_db()
    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    video = capture.artifacts.get(kind=ArtifactKind.VIDEO)
    expected = hashlib.sha256(big_video.read_bytes()).hexdigest()
    assert (video.sha256, video.size) == (expected, big_video.stat().st_size)
    head = in_bucket(s3_server, s3_storage, video.storage_key)
    # S3 gives a multipart object the ETag "<md5 of the part md5s>-<number of parts>".
    parts = int(head["ETag"].strip('"').rsplit("-", 1)[1])
    assert parts == -(-video.size // S3_TEST_MULTIPART_THRESHOLD) >= 3
    assert head["ContentLength"] == video.size
    assert rehash(video) == (expected, video.size)


HASH_PEAK_SCRIPT = """
import sys, tracemalloc
import django
django.setup()
from django.core.files.storage import default_storage, storages
from app.archive.storage import sha256_stream
storage = default_storage
if sys.argv[2] == "plain":
    from storages.backends.s3 import S3Storage
    storage = S3Storage(**storages.backends["default"]["OPTIONS"])
storage.exists(sys.argv[1])  # connect before measuring
tracemalloc.start()
with storage.open(sys.argv[1], "rb") as handle:
    digest, size = sha256_stream(handle)
print(digest, size, tracemalloc.get_traced_memory()[1])
"""


def hash_peak(key: str, backend: str) -> tuple[str, int, int]:
    """(sha256, size, peak traced bytes) of hashing ``key`` in a process of its own
    (moto keeps objects in memory, so it must not share the measured process)."""
    from tests.conftest import ROOT, worker_env

    done = subprocess.run(
        [sys.executable, "-c", HASH_PEAK_SCRIPT, key, backend],
        cwd=ROOT, env=worker_env(), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    digest, size, peak = done.stdout.split()
    return digest, int(size), int(peak)


def test_hashing_a_large_object_streams_it_in_bounded_memory(
    s3_storage: str, big_video: Path
) -> None:
    artifact = store_artifact(
        capture=new_capture(), kind=ArtifactKind.VIDEO, name="video.mp4", path=str(big_video)
    )
    assert artifact.size > 12 * 1024 * 1024
    digest, size, peak = hash_peak(artifact.storage_key, "archive")
    assert (digest, size) == (artifact.sha256, artifact.size)
    # A few 1 MiB buffers in flight (the stream's, the HTTP body's, the hasher's chunk),
    # never the 14 MiB file...
    assert peak < 8 * 1024 * 1024 < artifact.size, f"peak {peak} B hashing {artifact.size} B"
    # ...where django-storages' own S3File holds all of it before the first read.
    _digest, _size, plain_peak = hash_peak(artifact.storage_key, "plain")
    assert plain_peak > artifact.size


def test_a_streamed_object_seeks_like_a_file(s3_storage: str, big_video: Path) -> None:
    """PyAV probes a video by seeking; the stream answers seeks with ranged reads."""
    artifact = store_artifact(
        capture=new_capture(), kind=ArtifactKind.VIDEO, name="video.mp4", path=str(big_video)
    )
    data = big_video.read_bytes()
    with open_artifact(artifact) as handle:
        assert handle.seek(0, io.SEEK_END) == len(data)
        handle.seek(len(data) - 100)
        assert handle.read() == data[-100:]
        handle.seek(1000)
        assert handle.read(50) == data[1000:1050]
        handle.seek(0)
        assert handle.read(8) == data[:8]

    import av

    with open_artifact(artifact) as handle, av.open(handle) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 360)
        assert float(container.duration or 0) / 1_000_000 == pytest.approx(2.0, abs=0.2)


def test_verify_archive_rehashes_what_is_in_the_bucket(
    s3_server: S3Server, s3_storage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("seed_demo")
    stored = Artifact.objects.count()
    assert stored > 3
    listed = s3_server.client().list_objects_v2(Bucket=s3_storage)["KeyCount"]
    assert listed == Artifact.objects.values("storage_key").distinct().count()

    call_command("verify_archive")
    assert f"{stored} files checked, 0 problems" in capsys.readouterr().out

    # Change one object behind the application's back, in the bucket itself.
    victim = Artifact.objects.filter(kind=ArtifactKind.TEXT).first()
    assert victim is not None
    s3_server.client().put_object(
        Bucket=s3_storage, Key=victim.storage_key, Body=b"edited after archiving"
    )
    with pytest.raises(CommandError, match="problems"):
        call_command("verify_archive")
    assert f"MISMATCH capture {victim.capture_id}: {victim.name}" in capsys.readouterr().err


def test_the_evidence_package_streams_from_the_bucket_and_verifies(
    client: Any, s3_storage: str, tmp_path: Path
) -> None:
    call_command("seed_demo")
    response = client.get(
        reverse("monitor:claim_package", args=["sora-trained-on-video-game-footage"])
    )
    assert response.status_code == 200 and response.streaming
    package = tmp_path / "package.zip"
    with package.open("wb") as out:
        for chunk in response.streaming_content:
            out.write(chunk)
    with zipfile.ZipFile(package) as archive:
        assert any(name.startswith("captures/") for name in archive.namelist())
    assert verify_package(package) == []


def published_artifact(name: str, data: bytes, media_type: str) -> Artifact:
    source = SourceFactory()
    EvidenceFactory(source=source, state=PublicationState.PUBLISHED)
    capture = CaptureFactory(source=source, status=CaptureStatus.SUCCEEDED, attempts=1)
    kind = ArtifactKind.HTML if name.endswith(".html") else ArtifactKind.SCREENSHOT
    return store_artifact(capture=capture, kind=kind, name=name, data=data, media_type=media_type)


@pytest.mark.parametrize(
    ("name", "media_type", "served_type", "disposition"),
    [
        ("page.html", "text/html; charset=utf-8", "application/octet-stream", "attachment"),
        ("screenshot.png", "image/png", "image/png", "inline"),
    ],
)
def test_a_download_is_a_redirect_to_a_short_lived_signed_url(
    client: Any, settings: Any, name: str, media_type: str, served_type: str, disposition: str
) -> None:
    data = b"<script>alert(1)</script>" if name.endswith(".html") else b"\x89PNG bytes"
    artifact = published_artifact(name, data, media_type)
    response = client.get(reverse("archive:artifact", args=[artifact.pk, artifact.name]))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Artifact-SHA256"] == artifact.sha256
    location = response["Location"]
    endpoint = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]
    assert location.startswith(endpoint + "/")  # the store's own origin, not ours
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert "X-Amz-Signature" in query

    served = httpx.get(location, timeout=10)
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["Content-Type"] == served_type
    assert served.headers["Content-Disposition"] == f'{disposition}; filename="{name}"'


def test_a_download_of_an_unpublished_artifact_is_still_refused(client: Any) -> None:
    capture = CaptureFactory(source=SourceFactory(), status=CaptureStatus.SUCCEEDED, attempts=1)
    artifact = store_artifact(
        capture=capture, kind=ArtifactKind.TEXT, name="text.txt", data=b"not cited"
    )
    response = client.get(reverse("archive:artifact", args=[artifact.pk, artifact.name]))
    assert response.status_code == 404
    assert "Location" not in response


@pytest.mark.worker
def test_a_real_worker_captures_into_the_bucket(
    s3_server: S3Server, s3_storage: str, start_worker: Any, video_site: LocalServer
) -> None:
    """The worker process reads ARCHIVE_STORAGE=s3 from its environment, like production."""
    start_worker(
        concurrency=1,
        extra_env={
            "ARCHIVE_ALLOW_HOSTS": video_site.host_port,
            "ARCHIVE_BROWSER_STEP": "0",
            "S3_MULTIPART_THRESHOLD": str(S3_TEST_MULTIPART_THRESHOLD),
        },
    )
    source = SourceFactory(url=video_site.url_for("/big.mp4"))
    capture = request_capture(source=source)

    def done() -> bool:
        capture.refresh_from_db()
        return capture.status in {CaptureStatus.SUCCEEDED, CaptureStatus.FAILED}

    wait_for(done, timeout=120)
    assert capture.status == CaptureStatus.SUCCEEDED, capture.error_text
    keys = {a.storage_key for a in capture.artifacts.all()}
    listed = s3_server.client().list_objects_v2(Bucket=s3_storage).get("Contents", [])
    assert keys and keys <= {o["Key"] for o in listed}
    video = capture.artifacts.get(kind=ArtifactKind.VIDEO)
    head = in_bucket(s3_server, s3_storage, video.storage_key)
    assert head["ETag"].strip('"').endswith(f"-{-(-video.size // S3_TEST_MULTIPART_THRESHOLD)}")
