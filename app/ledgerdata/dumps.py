"""Daily dumps: one gzip CSV and one gzip JSON Lines file per record type, and a manifest.

Layout in Django's default storage (a local folder or S3)::

    dumps/<YYYY-MM-DDTHHMMSSZ>/<type>.csv.gz
    dumps/<YYYY-MM-DDTHHMMSSZ>/<type>.jsonl.gz
    dumps/<YYYY-MM-DDTHHMMSSZ>/manifest.json   rows, size and SHA-256 of each file
    dumps/LATEST                               the name of the newest complete dump

Rows stream from the database (``iterator(chunk_size=...)``) into a temporary
file on disk, gzip-compressed and hashed as they are written, so memory stays
flat however many rows there are. ``LATEST`` is switched only after every file
and the manifest are stored, so ``/data/dumps/latest/...`` never serves half a
dump. The newest dump and the 30 before it are kept.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from app.ledgerdata.records import RecordType, record_types
from app.public.cache import bump_version

ROOT = "dumps"
POINTER = f"{ROOT}/LATEST"
MANIFEST = "manifest.json"
FORMAT = "trainedon-dump/1"
KEEP_PREVIOUS = 30
FORMATS = ("csv", "jsonl")


def cell(value: Any) -> str:
    """A CSV cell: empty for null, true/false, JSON text for a list or an object."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


class _HashingWriter(io.RawIOBase):
    """Counts and hashes the compressed bytes on their way to the temporary file."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.sha256.update(chunk)
        self.size += len(chunk)
        self.target.write(chunk)
        return len(chunk)


@dataclass
class _Output:
    name: str
    spool: IO[bytes]
    hasher: _HashingWriter
    gz: gzip.GzipFile
    text: io.TextIOWrapper


def _open(name: str) -> _Output:
    spool = tempfile.TemporaryFile()
    hasher = _HashingWriter(spool)
    # mtime=0 and no file name in the header: the same rows give the same bytes.
    gz = gzip.GzipFile(filename="", mode="wb", fileobj=hasher, mtime=0)
    text = io.TextIOWrapper(gz, encoding="utf-8", newline="")
    return _Output(name, spool, hasher, gz, text)


def _close(out: _Output) -> None:
    out.text.flush()
    out.text.detach()
    out.gz.close()


def write_record_type(record: RecordType, folder: str, storage: Storage) -> list[dict[str, Any]]:
    """Stream one record type into its CSV and JSON Lines files; their manifest entries."""
    csv_out, jsonl_out = _open(f"{record.name}.csv.gz"), _open(f"{record.name}.jsonl.gz")
    writer = csv.writer(csv_out.text, lineterminator="\n")
    writer.writerow(record.columns)
    columns = list(record.columns)
    rows = 0
    try:
        for row in record.rows():
            if list(row) != columns:
                raise ValueError(f"A {record.name} row has the fields {list(row)}, not {columns}.")
            writer.writerow([cell(row[c]) for c in columns])
            jsonl_out.text.write(json.dumps(row, ensure_ascii=False) + "\n")
            rows += 1
        entries = []
        for out, fmt in ((csv_out, "csv"), (jsonl_out, "jsonl")):
            _close(out)
            out.spool.seek(0)
            key = f"{folder}/{out.name}"
            if storage.exists(key):
                storage.delete(key)
            stored = storage.save(key, File(out.spool, name=out.name))
            entries.append(
                {
                    "name": out.name,
                    "record_type": record.name,
                    "format": fmt,
                    "rows": rows,
                    "size": out.hasher.size,
                    "sha256": out.hasher.sha256.hexdigest(),
                    "columns": columns,
                    "key": stored,
                }
            )
        return entries
    finally:
        csv_out.spool.close()
        jsonl_out.spool.close()


def folder_name(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")


def write_dump(*, now: datetime | None = None, storage: Storage | None = None) -> dict[str, Any]:
    """Write a complete dump, switch ``LATEST`` to it, prune old ones; returns its manifest."""
    storage = storage or default_storage
    now = now or timezone.now()
    folder = f"{ROOT}/{folder_name(now)}"
    files: list[dict[str, Any]] = []
    for record in record_types():
        files.extend(write_record_type(record, folder, storage))
    manifest = {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "site": settings.SITE_URL,
        "documentation": "docs/data.md",
        "files": [{k: v for k, v in f.items() if k != "key"} for f in files],
    }
    body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    _replace(storage, f"{folder}/{MANIFEST}", body)
    _replace(storage, POINTER, folder_name(now).encode())
    prune(storage)
    # The data page lists the newest dump's files: show the new one now, not in 5 minutes.
    bump_version()
    return manifest


def _replace(storage: Storage, key: str, data: bytes) -> None:
    if storage.exists(key):
        storage.delete(key)
    storage.save(key, File(io.BytesIO(data), name=key.rsplit("/", 1)[-1]))


def dump_folders(storage: Storage | None = None) -> list[str]:
    """The stored dumps' folder names, oldest first."""
    storage = storage or default_storage
    if not storage.exists(ROOT):
        return []
    folders, _files = storage.listdir(ROOT)
    return sorted(f for f in folders if f[:4].isdigit())


def prune(storage: Storage, keep_previous: int = KEEP_PREVIOUS) -> list[str]:
    """Delete every dump older than the newest and the ``keep_previous`` before it."""
    folders = dump_folders(storage)
    doomed = folders[: max(0, len(folders) - keep_previous - 1)]
    for folder in doomed:
        _folders, names = storage.listdir(f"{ROOT}/{folder}")
        for name in names:
            storage.delete(f"{ROOT}/{folder}/{name}")
        try:
            storage.delete(f"{ROOT}/{folder}")  # an empty local folder; S3 has none
        except OSError:
            pass
    return doomed


def latest_folder(storage: Storage | None = None) -> str | None:
    storage = storage or default_storage
    if not storage.exists(POINTER):
        return None
    with storage.open(POINTER, "rb") as handle:
        name = handle.read().decode().strip()
    return name if name in dump_folders(storage) else None


def latest_manifest(storage: Storage | None = None) -> dict[str, Any] | None:
    storage = storage or default_storage
    folder = latest_folder(storage)
    if folder is None:
        return None
    with storage.open(f"{ROOT}/{folder}/{MANIFEST}", "rb") as handle:
        data: dict[str, Any] = json.loads(handle.read())
    return data


def read_rows(handle: IO[bytes], fmt: str) -> Iterable[dict[str, Any]]:
    """Rows of a dump file (gzip), as dicts: JSON Lines as written, CSV as text cells."""
    text = io.TextIOWrapper(gzip.GzipFile(fileobj=handle), encoding="utf-8", newline="")
    if fmt == "jsonl":
        for line in text:
            if line.strip():
                yield json.loads(line)
    else:
        yield from csv.DictReader(text)
