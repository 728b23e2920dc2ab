"""The editor's index upload: archived, imported by a real Celery worker, progress polled."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from app.catalog.choices import EntityKind
from app.graph.models import DatasetMember, DatasetVersion, ImportStatus
from tests.conftest import PASSWORD, wait_for
from tests.factories import EntityFactory

CSV = b"title,author,isbn\nA Book,Ana,0-306-40615-2\nBad,Ana,123\n"


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _post(client: Client, dataset: Any, url: str = "https://data.example/books.csv") -> Any:
    return client.post("/editor/datasets/import/", {
        "dataset": dataset.pk, "source_url": url, "label": "2024",
        "file": SimpleUploadedFile("books.csv", CSV, content_type="text/csv"),
    })  # fmt: skip


def test_an_upload_is_imported_by_the_worker_with_a_polled_progress_row(
    alice: Any, start_worker: Any
) -> None:
    dataset = EntityFactory(kind=EntityKind.DATASET, name="Books", slug="books")
    client = _client(alice)
    assert client.get("/editor/datasets/import/").status_code == 200
    response = _post(client, dataset)
    assert response.status_code == 302
    version = DatasetVersion.objects.get()
    assert response["Location"] == f"/editor/datasets/versions/{version.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page  # polling while queued
    start_worker(concurrency=1)
    wait_for(lambda: DatasetVersion.objects.filter(status=ImportStatus.DONE).exists(), 90)
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "<html" not in partial  # final: polling stops
    assert "1 rows imported, 1 rejected" in partial.replace("\n", " ")
    assert DatasetMember.objects.get().key == "9780306406157"
    report = client.get(f"/editor/datasets/versions/{version.pk}/rejected.csv")
    body = b"".join(report.streaming_content).decode()
    assert "not a valid ISBN: '123'" in body


@pytest.mark.django_db
def test_outsiders_cannot_upload_and_bad_input_is_a_400(alice: Any, mallory: Any) -> None:
    dataset = EntityFactory(kind=EntityKind.DATASET, name="Books", slug="books")
    assert Client().get("/editor/datasets/import/").status_code == 302  # to the log-in page
    assert _client(mallory).get("/editor/datasets/import/").status_code == 403
    bad = _post(_client(alice), dataset, url="ftp://nowhere")
    assert bad.status_code == 400 and not DatasetVersion.objects.exists()
    work = EntityFactory(kind=EntityKind.WORK)
    assert _post(_client(alice), work).status_code == 400
