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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone

from app.archive.models import ArtifactKind
from app.archive.storage import open_artifact, store_artifact
from app.graph import members
from app.graph.models import DatasetVersion, FileFormat, ImportStatus, MemberKind
from app.lib.keys import (
    TWITCH_SITE,
    channel_key,
    isbn13,
    site_of_key,
    twitch_channel,
    url_key,
    youtube_video_id,
)

log = logging.getLogger(__name__)

BATCH = 50_000  # rows a transaction (and a progress update)
PARQUET_BATCH = 10_000  # rows converted to Python objects at once
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
    load_seconds: float = 0.0  # reading, normalizing and COPY
    index_seconds: float = 0.0  # building the version's indexes after the load


FIELDS = ("kind", "title", "author", "isbn", "video", "channel", "url", "caption")
Raw = tuple[str, ...]  # one record's raw text in the order of FIELDS ("" when absent)


def _field_problem(raw: Raw) -> None:
    """Raise `Rejected` naming the first field with a NUL or text that is not UTF-8."""
    for name, text in zip(FIELDS, raw, strict=True):
        if "\x00" in text:
            raise Rejected(f"the {name} field contains a NUL character")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise Rejected(f"the {name} field is not valid UTF-8") from exc


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def raw_of(record: dict[str, Any]) -> Raw:
    """A record (lower-cased names) as raw fields: the first non-empty alias of each."""
    out = []
    for field in FIELDS:
        text = ""
        for name in ALIASES[field]:
            value = record.get(name)
            if value is not None and value != "":
                text = _text_of(value)
                break
        out.append(text)
    return tuple(out)


def getter(names: list[str]) -> Callable[[list[Any]], Raw]:
    """The raw fields of a positional row with these (lower-cased) column names.

    The common case (at most one column per field) is one ``itemgetter`` call on
    the row with an empty string appended for the absent fields.
    """
    candidates = [
        [names.index(alias) for alias in ALIASES[field] if alias in names] for field in FIELDS
    ]
    if all(len(c) <= 1 for c in candidates):
        width = len(names)
        pick = itemgetter(*[c[0] if c else width for c in candidates])

        def simple(values: list[Any]) -> Raw:
            values.append("")
            return pick(values)

        return simple

    def general(values: list[Any]) -> Raw:
        out = []
        for indexes in candidates:
            text = ""
            for i in indexes:
                value = values[i]
                if value is not None and value != "":
                    text = _text_of(value)
                    break
            out.append(text)
        return tuple(out)

    return general


def _cap(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise Rejected(f"{what} longer than {limit} characters")
    return text


def normalize(record: dict[str, Any], default_kind: str, line: int) -> tuple[Any, ...]:
    """One record (a dict) as a member row (without the version id), or raise `Rejected`."""
    return normalize_raw(raw_of(record), default_kind, line)


def normalize_raw(raw: Raw, default_kind: str, line: int) -> tuple[Any, ...]:
    """One record's raw fields as a member row (without the version id), or raise `Rejected`.

    The importer's inner loop: plain strings in, a tuple out, no model objects.
    """
    joined = "".join(raw)
    if "\x00" in joined or not joined.isascii():
        try:
            if "\x00" in joined:
                raise UnicodeError
            joined.encode("utf-8")
        except UnicodeError:
            _field_problem(raw)
    kind_raw, title, author, isbn_raw, video_raw, channel_raw, url_raw, caption = raw
    kind = kind_raw.strip().lower() or default_kind
    title = title.strip()
    author = author.strip()
    if len(title) > MAX_TITLE:
        _cap(title, MAX_TITLE, "title")
    if len(author) > MAX_AUTHOR:
        _cap(author, MAX_AUTHOR, "author")
    isbn_raw, video_raw, url_raw = isbn_raw.strip(), video_raw.strip(), url_raw.strip()
    channel_raw = channel_raw.strip()
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        _cap(caption, MAX_CAPTION, "caption")
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
        channel = channel_key(channel_raw) or ""
        if not channel:
            raise Rejected(f"not a YouTube or Twitch channel: {channel_raw[:80]!r}")
    key = host = ""
    if kind == MemberKind.VIDEO:
        key = youtube_video_id(video_raw or url_raw) or ""
        if not key:
            raise Rejected(f"not a YouTube video: {(video_raw or url_raw)[:80]!r}")
    elif kind == MemberKind.PAGE or kind == MemberKind.IMAGE:
        key = url_key(url_raw) or "" if url_raw else ""
        if not key:
            raise Rejected(f"not a web address: {url_raw[:80]!r}" if url_raw else "no address")
        host = site_of_key(key) or ""
        if not channel and host.endswith(TWITCH_SITE):  # a clip page: its channel's row too
            channel = twitch_channel(key) or ""
    elif kind == MemberKind.BOOK:
        if isbn_raw:
            key = isbn13(isbn_raw) or ""
            if not key:
                raise Rejected(f"not a valid ISBN: {isbn_raw[:40]!r}")
        elif not title:
            raise Rejected("a book needs an ISBN or a title")
    else:
        raise Rejected(f"unknown kind {kind[:20]!r} (book, video, page or image)")
    return (kind, key, title, author, channel, host, caption, line)


# --- Reading -------------------------------------------------------------------


# line, raw fields or None, and the record as read (for the report) or the problem
Record = tuple[int, Raw | None, Any]


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
    pick = getter(header)
    reader = csv.reader(text, dialect)
    width = len(header)
    for values in reader:
        if not values:
            continue
        if len(values) != width:
            yield reader.line_num + 1, None, f"{len(values)} fields where the header has {width}"
            continue
        yield reader.line_num + 1, pick(values), _Row(header, values)


class _Row:
    """A CSV row kept for the report of a rejected line: made into a dict only then."""

    __slots__ = ("header", "values")

    def __init__(self, header: list[str], values: list[str]) -> None:
        self.header = header
        self.values = values

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self.header, self.values, strict=False))


def read_jsonl(handle: IO[bytes]) -> Iterator[Record]:
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    loads = json.loads
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
            record = loads(text)
        except ValueError as exc:
            yield number, None, f"not valid JSON: {exc}"
            continue
        if not isinstance(record, dict):
            yield number, None, "a line must be a JSON object"
            continue
        lowered = {str(k).lower(): v for k, v in record.items()}
        yield number, raw_of(lowered), lowered


def read_parquet(handle: IO[bytes]) -> Iterator[Record]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(handle)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid and OSError kinds
        raise ValueError(f"not a Parquet file: {exc}") from exc
    number = 0
    # One thread decoding: pyarrow's parallel column reads hold several row groups at once.
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH, use_threads=False):
        names = [n.lower() for n in batch.schema.names]
        columns = []
        for i in range(batch.num_columns):
            column = batch.column(i)
            if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                try:
                    column = pc.cast(column, pa.string())
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    columns.append([_text_of(v) for v in column.to_pylist()])
                    continue
            columns.append(column.fill_null("").to_pylist())
        pick = getter(names)
        for values in zip(*columns, strict=True):
            number += 1
            row = list(values)
            yield number, pick(row), _Row(names, row[: len(names)])


READERS: dict[str, Callable[[IO[bytes]], Iterator[Record]]] = {
    FileFormat.CSV: read_csv,
    FileFormat.JSONL: read_jsonl,
    FileFormat.PARQUET: read_parquet,
}


# --- Writing -------------------------------------------------------------------


def _copy_sql(table: str) -> str:
    # CSV: the writer is C code; FORCE_NOT_NULL reads an unquoted empty field as ''.
    text_columns = ", ".join(c for c in COLUMNS if c not in ("version_id", "line"))
    return (
        f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({text_columns}))"
    )


class Writer:
    """Accepted rows to the version's table, one transaction a batch.

    PostgreSQL: one COPY a batch into the version's own unindexed table
    (`app.graph.members`), fed in chunks while the rows are normalized, so the
    server parses one chunk while this process reads the next. Elsewhere:
    ``executemany`` into the member table.
    """

    CHUNK = 2_000

    def __init__(self, version_id: int, table: str) -> None:
        self.version_id = version_id
        self.table = table
        self.postgres = connection.vendor == "postgresql"
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\n")
        self.rows: list[tuple[Any, ...]] = []
        self.pending = 0  # rows in the open batch
        self._atomic: Any = None
        self._cursor: Any = None
        self._copy_cm: Any = None
        self._copy: Any = None

    def add(self, row: tuple[Any, ...]) -> None:
        self.pending += 1
        if not self.postgres:
            self.rows.append((self.version_id, *row))
            return
        self.csv.writerow((self.version_id, *row))
        if self.pending % self.CHUNK == 0:
            self._send()

    def _send(self) -> None:
        data = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        if not data:
            return
        if self._copy is None:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self._cursor = connection.cursor()
            self._copy_cm = self._cursor.copy(_copy_sql(self.table))  # psycopg 3
            self._copy = self._copy_cm.__enter__()
        self._copy.write(data)

    def commit(self) -> int:
        """End the batch: its rows are committed; returns how many."""
        n, self.pending = self.pending, 0
        if not self.postgres:
            if self.rows:
                marks = ", ".join(["%s"] * len(COLUMNS))
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                        self.rows,
                    )
                self.rows.clear()
            return n
        self._send()
        if self._copy is not None:
            self._copy_cm.__exit__(None, None, None)
            self._cursor.close()
            self._atomic.__exit__(None, None, None)
            self._copy = self._copy_cm = self._cursor = self._atomic = None
        return n

    def abort(self, exc: BaseException) -> None:
        """Close an open COPY and roll its transaction back after a failure."""
        if self._copy is not None:
            try:
                self._copy_cm.__exit__(type(exc), exc, exc.__traceback__)
            except Exception:  # the COPY is being abandoned: its own error says nothing new
                log.debug("COPY abandoned", exc_info=True)
            self._cursor.close()
            self._atomic.__exit__(type(exc), exc, exc.__traceback__)
            self._copy = self._copy_cm = self._cursor = self._atomic = None
        self.rows.clear()


def _write_batch(version_id: int, rows: list[tuple[Any, ...]]) -> None:
    """Write rows into the version's table (created if missing); for tests and tools."""
    table = members.PARENT
    if members.partitioned():
        table = members.table_for(version_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is None:
                members.prepare(version_id)
    writer = Writer(version_id, table)
    for row in rows:
        writer.add(row)
    writer.commit()


def _excerpt(record: Any) -> str:
    if record is None:
        return ""
    if isinstance(record, _Row):
        record = record.as_dict()
    text = json.dumps(record, ensure_ascii=False, default=str)
    return text[:300].encode("utf-8", "replace").decode("utf-8")


def run_import(
    version: DatasetVersion, *, progress: Callable[[Outcome], None] | None = None
) -> Outcome:
    """Import ``version`` from its archived file; the caller has set it running.

    Returns the counts; on any failure the version is marked failed with the
    reason, its rows (its table, on PostgreSQL) are dropped, and the exception
    is re-raised.
    """
    outcome = Outcome()
    fd, rejects_path = tempfile.mkstemp(prefix="rejected-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8", errors="replace") as report:
            writer = csv.writer(report)
            writer.writerow(["line", "reason", "record"])
            started = time.monotonic()
            _load(version, writer, outcome, progress)
        loaded = time.monotonic()
        members.build(version.pk)
        outcome.load_seconds, outcome.index_seconds = loaded - started, time.monotonic() - loaded
        _finish(version, outcome, rejects_path)
    except Exception as exc:
        members.drop(version.pk)
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
    report: Any,
    outcome: Outcome,
    progress: Callable[[Outcome], None] | None,
) -> None:
    """Read, normalize and write: the tight loop (strings and tuples, no model objects)."""
    assert version.artifact is not None
    reader = READERS[version.file_format]
    default_kind = version.default_kind
    batch = BATCH
    out = Writer(version.pk, members.prepare(version.pk))
    add = out.add
    lines = rows = rejected = 0
    try:
        with open_artifact(version.artifact) as raw:
            counting = CountingReader(raw)
            source: IO[bytes] = (
                raw
                if version.file_format == FileFormat.PARQUET
                else io.BufferedReader(counting, 1024 * 1024)
            )
            for line, fields, record in reader(source):
                lines += 1
                try:
                    if fields is None:
                        raise Rejected(record)
                    add(normalize_raw(fields, default_kind, line))
                except Rejected as exc:
                    rejected += 1
                    report.writerow([line, str(exc), _excerpt(None if fields is None else record)])
                    continue
                if out.pending >= batch:
                    rows += out.commit()
                    outcome.lines, outcome.rows, outcome.rejected = lines, rows, rejected
                    _progress(version, outcome, counting.count or raw.tell())
                    if progress:
                        progress(outcome)
            rows += out.commit()
    except BaseException as exc:
        out.abort(exc)
        raise
    finally:
        outcome.lines, outcome.rows, outcome.rejected = lines, rows, rejected


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
    # The partition is attached in the same transaction: visible exactly when done.
    with transaction.atomic():
        if not DatasetVersion.objects.filter(pk=version.pk, status=ImportStatus.RUNNING).update(
            **fields
        ):
            raise Abandoned(f"version {version.pk} is no longer running")
        members.attach(version.pk)
    for name, value in fields.items():
        setattr(version, name, value)
