"""Files are hashed and written before the short transaction that inserts their row.

A storage that notes, for every file written, whether the database connection
was inside a transaction at that moment: the capture's row lock (a
``SELECT ... FOR UPDATE``) exists only inside one, so a write made outside
any transaction was made without holding it. The tests run with real
transactions (``transaction=True``), so the test itself opens none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection

from app.archive.models import CaptureStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_browser")]

WRITES: list[tuple[str, bool]] = []


class WatchingStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        WRITES.append((name, connection.in_atomic_block))
        return super()._save(name, content)


@pytest.fixture
def watched(settings: Any, tmp_path: Path) -> list[tuple[str, bool]]:
    WRITES.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{__name__}.WatchingStorage",
            "OPTIONS": {"location": str(tmp_path / "store")},
        },
    }
    return WRITES


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("/article.html", {"page.warc.gz", "page.html", "text.txt", "metadata.json"}),
        ("/statement.pdf", {"page.warc.gz", "document.pdf", "text.txt"}),
    ],
)
def test_no_file_is_written_inside_a_transaction(
    site: Any, archive: Any, watched: list[tuple[str, bool]], path: str, names: set[str]
) -> None:
    capture, outcome = archive(site.url_for(path))
    assert outcome.status == CaptureStatus.SUCCEEDED
    stored = {a.name for a in capture.artifacts.all()}
    assert names | {"manifest.json"} <= stored
    # One write per distinct file (same bytes share a key), none of them in a transaction.
    assert len(watched) >= len(names)
    assert [name for name, in_transaction in watched if in_transaction] == []
    keys = {a.storage_key for a in capture.artifacts.all()}
    assert {name for name, _ in watched} == keys
