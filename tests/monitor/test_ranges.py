"""Archived video is served with byte ranges, so players can seek to the cited moment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from app.archive.models import Artifact, ArtifactKind
from app.catalog.choices import PublicationState
from app.monitor.ranges import parse_range
from tests.factories import EvidenceFactory, SourceFactory
from tests.lib.servers import LocalServer
from tests.monitor.conftest import run_capture


def test_a_single_byte_range_is_understood() -> None:
    assert parse_range("bytes=0-99", 1000) == (0, 99)
    assert parse_range("bytes=900-", 1000) == (900, 999)
    assert parse_range("bytes=-100", 1000) == (900, 999)
    assert parse_range("bytes=990-5000", 1000) == (990, 999)
    assert parse_range("bytes=0-1,5-9", 1000) is None  # several: serve it all
    for bad in ("bytes=1000-", "bytes=5-2", "bytes=-0"):
        with pytest.raises(ValueError):
            parse_range(bad, 1000)


@pytest.mark.django_db
def test_the_video_is_served_whole_or_in_ranges_to_readers(
    video_site: LocalServer, client: Any
) -> None:
    url = video_site.url_for("/og.html")
    item = EvidenceFactory(
        source=SourceFactory(url=url, normalized_url=url), time_start=Decimal("1")
    )
    run_capture(item.source)
    video = Artifact.objects.get(kind=ArtifactKind.VIDEO, capture__source=item.source)
    address = reverse("monitor:video", args=[video.pk, video.name])
    whole = client.get(address)
    body = b"".join(whole.streaming_content)
    assert (whole.status_code, whole["Accept-Ranges"], len(body)) == (200, "bytes", video.size)
    part = client.get(address, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{video.size}"
    assert b"".join(part.streaming_content) == body[100:200]
    assert client.get(address, HTTP_RANGE=f"bytes={video.size}-").status_code == 416
    frame = Artifact.objects.filter(kind=ArtifactKind.FRAME).first()
    assert client.get(reverse("monitor:video", args=[frame.pk, frame.name])).status_code == 404
    item.__class__.objects.filter(pk=item.pk).update(state=PublicationState.DRAFT)
    assert client.get(address).status_code == 404  # nobody cites it publicly any more
