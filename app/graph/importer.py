"""Importing a dataset index file into `DatasetMember` rows, streaming.

The file is read from its archived copy one record at a time (CSV and JSON
Lines line by line, Parquet one record batch at a time), each record is
validated and its key normalized (`app.lib.keys`), and accepted rows are
written in batches: COPY on PostgreSQL, ``executemany`` elsewhere. Memory
stays flat whatever the file's size: at most one batch is held.

Rejected lines go to a CSV report (line, reason, the start of the line),
archived beside the index file. Rows are committed batch by batch so the
progress row can be polled; a version's rows are shown only once its status is
``done``, and a failed import deletes what it had written.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone

from app.archive.models import ArtifactKind
from app.archive.storage import open_artifact, store_artifact
from app.graph.models import DatasetMember, DatasetVersion, FileFormat, ImportStatus, MemberKind
from app.lib.keys import isbn13, site_of, url_key, youtube_channel, youtube_video_id

log = logging.getLogger(__name__)

BATCH = 20_000
MAX_TITLE = 1000
MAX_AUTHOR = 500
MAX_CAPTION = 5000
MAX_LINE_BYTES = 1024 * 1024
COLUMNS = ("version_id", "kind", "key", "title", "author", "channel_id", "host", "caption", "line")

# Accepted column names (lower-cased) for each field.
ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "type"),
    "title": ("title", "name", "book_title", "video_title"),
    "author": ("author", "authors", "creator", "channel_title", "uploader"),
    "isbn": ("isbn", "isbn13", "isbn_13", "isbn10", "isbn_10"),
    "video": ("video_id", "videoid", "youtube_id", "video_url", "video"),
    "channel": ("channel_id", "channel_url", "channel"),
    "url": ("url", "page_url", "image_url", "link"),
    "caption": ("caption", "alt", "text", "description"),
}


class Rejected(ValueError):
    """One record that cannot be imported, with the reason shown in the report."""


class Abandoned(RuntimeError):
    """The version is no longer running: the sweep gave it up (`app.graph.sweep`)."""


@dataclass
class Outcome:
    rows: int = 0
    rejected: int = 0
    lines: int = 0


def _pick(record: dict[str, Any], field: str) -> str:
    for name in ALIASES[field]:
        value = record.get(name)
        if value is not None and value != "":
            text = value if isinstance(value, str) else str(value)
            if "\x00" in text:
                raise Rejected(f"the {name} field contains a NUL character")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise Rejected(f"the {name} field is not valid UTF-8") from exc
            return text.strip()
    return ""


def _cap(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise Rejected(f"{what} longer than {limit} characters")
    return text


def normalize(record: dict[str, Any], default_kind: str, line: int) -> tuple[Any, ...]:
    """One record as a member row (without the version id), or raise `Rejected`."""
    kind = _pick(record, "kind").lower() or default_kind
    title = _cap(_pick(record, "title"), MAX_TITLE, "title")
    author = _cap(_pick(record, "author"), MAX_AUTHOR, "author")
    isbn_raw, video_raw, url_raw = (
        _pick(record, "isbn"),
        _pick(record, "video"),
        _pick(record, "url"),
    )
    channel_raw = _pick(record, "channel")
    caption = _cap(_pick(record, "caption"), MAX_CAPTION, "caption")
    if not kind:
        if isbn_raw:
            kind = MemberKind.BOOK
        elif video_raw or (url_raw and youtube_video_id(url_raw)):
            kind = MemberKind.VIDEO
        elif caption and url_raw:
            kind = MemberKind.IMAGE
        elif url_raw:
            kind = MemberKind.PAGE
        elif title:
            kind = MemberKind.BOOK  # a title and perhaps an author: a book list without ISBNs
        else:
            raise Rejected("no kind, ISBN, video or address to tell what this row is")
    channel = ""
    if channel_raw:
        channel = youtube_channel(channel_raw) or ""
        if not channel:
            raise Rejected(f"not a YouTube channel: {channel_raw[:80]!r}")
    key = host = ""
    if kind == MemberKind.BOOK:
        if isbn_raw:
            key = isbn13(isbn_raw) or ""
            if not key:
                raise Rejected(f"not a valid ISBN: {isbn_raw[:40]!r}")
        elif not title:
            raise Rejected("a book needs an ISBN or a title")
    elif kind == MemberKind.VIDEO:
        key = youtube_video_id(video_raw or url_raw) or ""
        if not key:
            raise Rejected(f"not a YouTube video: {(video_raw or url_raw)[:80]!r}")
    elif kind in (MemberKind.PAGE, MemberKind.IMAGE):
        key = url_key(url_raw) or "" if url_raw else ""
        if not key:
            raise Rejected(f"not a web address: {url_raw[:80]!r}" if url_raw else "no address")
        host = site_of(key) or ""
    else:
        raise Rejected(f"unknown kind {kind[:20]!r} (book, video, page or image)")
    return (kind, key, title, author, channel, host, caption, line)


# --- Reading -------------------------------------------------------------------


Record = tuple[int, dict[str, Any] | None, str]  # line, record or None, raw text or error


class CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read, for the progress bar."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def _text(handle: IO[bytes]) -> io.TextIOWrapper:
    # surrogateescape: a bad byte marks its own line as rejected, not the whole file.
    return io.TextIOWrapper(
        handle,
        encoding="utf-8-sig",
        errors="surrogateescape",
        newline="",
    )


def read_csv(handle: IO[bytes]) -> Iterator[Record]:
    text = _text(handle)
    sample = text.readline()
    dialect: Any = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    header = [h.strip().lower() for h in next(csv.reader([sample], dialect), [])]
    if not header:
        return
    reader = csv.reader(text, dialect)
    width = len(header)
    line = 1
    for values in reader:
        line = reader.line_num + 1
        if not values:
            continue
        if len(values) != width:
            yield line, None, f"{len(values)} fields where the header has {width}"
            continue
        yield line, dict(zip(header, values, strict=True)), ""


def read_jsonl(handle: IO[bytes]) -> Iterator[Record]:
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    for number, raw in enumerate(handle, start=1):
        if len(raw) > MAX_LINE_BYTES:
            yield number, None, f"line longer than {MAX_LINE_BYTES} bytes"
            continue
        text = decoder.decode(raw).strip()
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text:
            continue
        try:
            record = json.loads(text)
        except ValueError as exc:
            yield number, None, f"not valid JSON: {exc}"
            continue
        if not isinstance(record, dict):
            yield number, None, "a line must be a JSON object"
            continue
        yield number, {str(k).lower(): v for k, v in record.items()}, ""


def read_parquet(handle: IO[bytes]) -> Iterator[Record]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(handle)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid and OSError kinds
        raise ValueError(f"not a Parquet file: {exc}") from exc
    number = 0
    for batch in parquet.iter_batches(batch_size=BATCH):
        names = [n.lower() for n in batch.schema.names]
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for row in zip(*columns, strict=True):
            number += 1
            yield number, dict(zip(names, row, strict=True)), ""


READERS: dict[str, Callable[[IO[bytes]], Iterator[Record]]] = {
    FileFormat.CSV: read_csv,
    FileFormat.JSONL: read_jsonl,
    FileFormat.PARQUET: read_parquet,
}


# --- Writing -------------------------------------------------------------------


def _write_batch(version_id: int, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table = DatasetMember._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(sql) as copy:  # psycopg 3
                for row in rows:
                    copy.write_row((version_id, *row))
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                [(version_id, *row) for row in rows],
            )


def _excerpt(record: dict[str, Any] | None) -> str:
    if record is None:
        return ""
    text = json.dumps(record, ensure_ascii=False, default=str)
    return text[:300].encode("utf-8", "replace").decode("utf-8")


def run_import(
    version: DatasetVersion, *, progress: Callable[[Outcome], None] | None = None
) -> Outcome:
    """Import ``version`` from its archived file; the caller has set it running.

    Returns the counts; on any failure the version is marked failed with the
    reason, its rows are deleted, and the exception is re-raised.
    """
    outcome = Outcome()
    fd, rejects_path = tempfile.mkstemp(prefix="rejected-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8", errors="replace") as report:
            writer = csv.writer(report)
            writer.writerow(["line", "reason", "record"])
            _load(version, writer, outcome, progress)
        _finish(version, outcome, rejects_path)
    except Exception as exc:
        DatasetMember.objects.filter(version=version).delete()
        # Only a version still running: a swept one keeps the sweep's reason.
        DatasetVersion.objects.filter(pk=version.pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED,
            error_text=str(exc)[:2000] or exc.__class__.__name__,
            lines_read=outcome.lines,
            row_count=0,
            rejected_count=outcome.rejected,
        )
        raise
    finally:
        os.unlink(rejects_path)
    return outcome


def _load(
    version: DatasetVersion,
    writer: Any,
    outcome: Outcome,
    progress: Callable[[Outcome], None] | None,
) -> None:
    assert version.artifact is not None
    reader = READERS[version.file_format]
    batch: list[tuple[Any, ...]] = []
    with open_artifact(version.artifact) as raw:
        counting = CountingReader(raw)
        source: IO[bytes] = (
            raw
            if version.file_format == FileFormat.PARQUET
            else io.BufferedReader(counting, 1024 * 1024)
        )
        for line, record, problem in reader(source):
            outcome.lines += 1
            try:
                if record is None:
                    raise Rejected(problem)
                batch.append(normalize(record, version.default_kind, line))
            except Rejected as exc:
                outcome.rejected += 1
                writer.writerow([line, str(exc), _excerpt(record)])
            if len(batch) >= BATCH:
                _write_batch(version.pk, batch)
                outcome.rows += len(batch)
                batch.clear()
                _progress(version, outcome, counting.count or raw.tell())
                if progress:
                    progress(outcome)
        _write_batch(version.pk, batch)
        outcome.rows += len(batch)


def _progress(version: DatasetVersion, outcome: Outcome, bytes_read: int) -> None:
    """Record progress and the heartbeat; stop if the sweep has given this version up."""
    alive = DatasetVersion.objects.filter(pk=version.pk, status=ImportStatus.RUNNING).update(
        bytes_read=bytes_read,
        lines_read=outcome.lines,
        row_count=outcome.rows,
        rejected_count=outcome.rejected,
        heartbeat_at=timezone.now(),
    )
    if not alive:
        raise Abandoned(f"version {version.pk} is no longer running")


def _finish(version: DatasetVersion, outcome: Outcome, rejects_path: str) -> None:
    rejects = None
    if outcome.rejected and version.artifact is not None:
        rejects = store_artifact(
            capture=version.artifact.capture,
            kind=ArtifactKind.DOCUMENT,
            name=f"rejected-lines-v{version.number}.csv",
            path=rejects_path,
            media_type="text/csv",
            how="trainedon dataset index import: lines that were not imported",
        )
    now = timezone.now()
    fields = {
        "status": ImportStatus.DONE,
        "imported_at": now,
        "heartbeat_at": now,
        "bytes_read": version.file_size,
        "lines_read": outcome.lines,
        "row_count": outcome.rows,
        "rejected_count": outcome.rejected,
        "rejects_artifact": rejects,
        "error_text": "",
    }
    # Conditional: a version the sweep failed meanwhile stays failed (its rows go).
    if not DatasetVersion.objects.filter(pk=version.pk, status=ImportStatus.RUNNING).update(
        **fields
    ):
        raise Abandoned(f"version {version.pk} is no longer running")
    for name, value in fields.items():
        setattr(version, name, value)
