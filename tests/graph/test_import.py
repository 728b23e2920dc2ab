"""Importing dataset indexes: good, bad and large files, versions, the archived copy."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from app.archive.storage import open_artifact, sha256_bytes
from app.catalog.choices import EntityKind
from app.catalog.models import Entity
from app.graph.importer import run_import
from app.graph.models import DatasetMember, DatasetVersion, ImportStatus, MemberKind
from app.graph.services import dataset_for, version_claim, version_create
from tests.factories import EntityFactory

nobody: Any = None


def _import(tmp_path: Path, name: str, data: bytes | None, **options: Any) -> DatasetVersion:
    entity = Entity.objects.filter(slug="books3").first() or EntityFactory(
        kind=EntityKind.DATASET, name="Books3", slug="books3"
    )
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    new = version_create(
        dataset=dataset_for(entity),
        path=path,
        file_name=name,
        source_url="https://data.example/books3/index",
        actor=nobody,
        **options,
    )
    assert version_claim(new.version.pk)
    version = DatasetVersion.objects.select_related("artifact").get(pk=new.version.pk)
    run_import(version)
    version.refresh_from_db()
    return version


def _rejects(version: DatasetVersion) -> list[list[str]]:
    assert version.rejects_artifact is not None
    with open_artifact(version.rejects_artifact) as handle:
        return list(csv.reader(io.TextIOWrapper(handle, encoding="utf-8")))[1:]


BOOKS = (
    b"title,author,isbn\n"
    b"The Sea Inside,Ana Writer,0-306-40615-2\n"
    b"Second Book,Ben Writer,978-0-8044-2957-3\n"
    b"No ISBN Book,Cleo Writer,\n"
)


def test_a_good_csv_is_imported_with_normalized_keys_and_archived(db: None, tmp_path: Path) -> None:
    version = _import(tmp_path, "books3.csv", BOOKS)
    assert version.status == ImportStatus.DONE and version.number == 1
    assert (version.row_count, version.rejected_count, version.lines_read) == (3, 0, 3)
    assert version.file_sha256 == sha256_bytes(BOOKS) and version.file_size == len(BOOKS)
    rows = list(
        DatasetMember.objects.filter(version=version)
        .order_by("line")
        .values_list("kind", "key", "title", "author", "line")
    )
    assert rows == [
        ("book", "9780306406157", "The Sea Inside", "Ana Writer", 2),
        ("book", "9780804429573", "Second Book", "Ben Writer", 3),
        ("book", "", "No ISBN Book", "Cleo Writer", 4),
    ]
    assert version.artifact is not None and version.artifact.sha256 == version.file_sha256
    with open_artifact(version.artifact) as handle:
        assert handle.read() == BOOKS
    assert version.source is not None
    assert version.source.normalized_url == "https://data.example/books3/index"
    assert version.rejects_artifact is None


def test_bad_lines_are_rejected_one_by_one_with_a_report(db: None, tmp_path: Path) -> None:
    data = (
        b"title,author,isbn\n"
        b"Good,Ana,0-306-40615-2\n"
        b"Bad check digit,Ana,0-306-40615-3\n"
        b"Too,many,fields,here\n"
        b"Bad bytes \xff\xfe,Ana,\n"
        b",,\n"
        b"Also good,Ben,\n"
    )
    version = _import(tmp_path, "mixed.csv", data)
    assert version.status == ImportStatus.DONE
    assert (version.row_count, version.rejected_count) == (2, 4)
    reasons = {int(line): reason for line, reason, _record in _rejects(version)}
    assert reasons == {
        3: "not a valid ISBN: '0-306-40615-3'",
        4: "4 fields where the header has 3",
        5: "the title field is not valid UTF-8",
        6: "no kind, ISBN, video or address to tell what this row is",
    }


def test_jsonl_videos_in_every_address_form_share_their_keys(db: None, tmp_path: Path) -> None:
    lines = [
        {
            "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=4",
            "channel_id": "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw",
            "title": "A clip",
        },
        {"url": "https://youtu.be/dQw4w9WgXcQ?si=x"},
        {"video_id": "9bZkp7q19f0", "channel": "https://www.youtube.com/@SomeStreamer"},
        {"kind": "video", "url": "https://vimeo.com/1234"},
        {"kind": "page", "url": "https://www.Example.org/a?utm_source=x"},
        {"kind": "image", "url": "example.org/i.png", "caption": "a cat"},
    ]
    data = ("\n".join(json.dumps(x) for x in lines) + "\n{not json\n[1, 2]\n").encode()
    version = _import(tmp_path, "videos.jsonl", data)
    rows = list(
        DatasetMember.objects.filter(version=version)
        .order_by("line")
        .values_list("kind", "key", "channel_id", "host")
    )
    assert rows == [
        ("video", "dQw4w9WgXcQ", "UCuAXFkgsw1L7xaCfnd5JJOw", ""),
        ("video", "dQw4w9WgXcQ", "", ""),
        ("video", "9bZkp7q19f0", "@somestreamer", ""),
        ("page", "https://www.example.org/a", "", "example.org"),
        ("image", "https://example.org/i.png", "", "example.org"),
    ]
    reasons = [(int(line), reason.split(":")[0]) for line, reason, _ in _rejects(version)]
    assert reasons == [
        (4, "not a YouTube video"),
        (7, "not valid JSON"),
        (8, "a line must be a JSON object"),
    ]


def test_parquet_is_read_batch_by_batch(db: None, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"isbn": ["0306406152", "bad", None], "title": ["A", "B", "C"]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    version = _import(tmp_path, "books.parquet", buffer.getvalue())
    assert (version.row_count, version.rejected_count) == (2, 1)
    assert set(DatasetMember.objects.values_list("key", flat=True)) == {"9780306406157", ""}


def test_a_broken_file_fails_the_version_with_its_reason(db: None, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a Parquet file"):
        _import(tmp_path, "broken.parquet", b"this is not parquet at all")
    version = DatasetVersion.objects.get()
    assert version.status == ImportStatus.FAILED and "not a Parquet file" in version.error_text
    assert not DatasetMember.objects.exists()


def test_a_reimport_is_a_new_version_and_the_old_stays(db: None, tmp_path: Path) -> None:
    first = _import(tmp_path, "books3.csv", BOOKS)
    second = _import(tmp_path, "books3-2.csv", BOOKS + b"Fourth,Dan,\n")
    assert (first.number, second.number) == (1, 2)
    assert DatasetMember.objects.filter(version=first).count() == 3
    assert DatasetMember.objects.filter(version=second).count() == 4


def _peak_import(tmp_path: Path, rows: int) -> tuple[int, int]:
    path = tmp_path / f"big-{rows}.csv"
    with path.open("w") as handle:
        handle.write("video_id,title,channel_id\n")
        for n in range(rows):
            handle.write(f"vid{n:08d},A fairly long title of game clip number {n},UC{n:022d}\n")
    tracemalloc.start()
    try:
        version = _import(tmp_path, path.name, None)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert version.row_count == rows and version.rejected_count == 0
    return path.stat().st_size, peak


def test_a_large_file_is_streamed_with_flat_memory(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.graph import importer

    monkeypatch.setattr(importer, "BATCH", 2_000)
    small_size, small_peak = _peak_import(tmp_path, 10_000)
    big_size, big_peak = _peak_import(tmp_path, 80_000)
    # Eight times the file, about the same memory: one batch and fixed buffers
    # (bench/lookup.py measures the real process's peak RSS on 5 million rows).
    assert big_size > 7 * small_size
    assert big_peak < 1.3 * small_peak, (small_peak, big_peak)
    assert big_peak < big_size / 2


def test_the_command_creates_the_dataset_and_imports(db: None, tmp_path: Path) -> None:
    path = tmp_path / "pages.csv"
    path.write_text("url\nhttps://a.example/1\nnot an address\n")
    out = io.StringIO()
    call_command(
        "import_dataset_index",
        "common-pages",
        str(path),
        "--create",
        "Common Pages",
        "--kind",
        MemberKind.PAGE,
        "--source-url",
        "https://data.example/pages",
        "--label",
        "2024-01",
        stdout=out,
        verbosity=0,
    )
    assert "common-pages v1: 1 rows imported, 1 rejected" in out.getvalue()
    version = DatasetVersion.objects.get()
    assert version.label == "2024-01" and version.artifact.capture.origin == "command"
    with pytest.raises(CommandError, match="published"):
        call_command("import_dataset_index", "common-pages", str(path), verbosity=0)
    with pytest.raises(CommandError, match="No entity"):
        call_command("import_dataset_index", "nope", str(path), verbosity=0)


def test_a_version_left_queued_is_resumed_from_the_command_line(db: None, tmp_path: Path) -> None:
    entity = EntityFactory(kind=EntityKind.DATASET, name="Books3", slug="books3")
    path = tmp_path / "books.csv"
    path.write_bytes(BOOKS)
    new = version_create(dataset=dataset_for(entity), path=path, file_name="books.csv",
                         source_url="https://data.example/b", actor=nobody)  # fmt: skip
    out = io.StringIO()
    call_command("import_dataset_index", resume=new.version.pk, stdout=out)
    assert "v1: 3 rows imported, 0 rejected" in out.getvalue()
    with pytest.raises(CommandError, match="No queued version"):
        call_command("import_dataset_index", resume=new.version.pk)
