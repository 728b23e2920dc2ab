"""Writing artifacts: content-addressed, hashed at write time, written once.

Keys look like ``sha256/ab/cd/abcdef....ext``. Two captures that produce the
same bytes share one stored file; the `Artifact` rows stay separate, so each
capture's manifest still lists what it produced.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage
from django.db import IntegrityError, transaction

from app.archive.models import Artifact, Capture

CHUNK = 1024 * 1024


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_stream(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def storage_key_for(sha256: str, name: str) -> str:
    suffix = "".join(PurePosixPath(name).suffixes[-2:])[:20]
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


def guess_media_type(name: str, default: str = "application/octet-stream") -> str:
    if name.endswith(".warc.gz"):
        return "application/warc"
    return mimetypes.guess_type(name)[0] or default


def _put(storage: Storage, key: str, content: File[Any]) -> None:
    if storage.exists(key):
        return
    saved = storage.save(key, content)
    if saved == key:
        return
    # The storage renamed ours: the key was taken between exists() and save(). The key is
    # the bytes' SHA-256, so another capture writing the same bytes (two media captures of
    # one video, their identical thumbnails) got there first: its file is ours; drop the copy.
    storage.delete(saved)
    if not storage.exists(key):  # renamed for another reason: it would break addressing
        raise RuntimeError(f"Storage renamed {key!r} to {saved!r}.")


@dataclass(frozen=True)
class StoredFile:
    """Bytes already hashed and written to storage, waiting for their ``Artifact`` row."""

    name: str
    storage_key: str
    sha256: str
    size: int


def put_file(
    *,
    name: str,
    data: bytes | None = None,
    path: str | None = None,
    storage: Storage | None = None,
) -> StoredFile:
    """Hash and write one file (content-addressed); touches no database row.

    Give either ``data`` (bytes) or ``path`` (a local file, streamed). Run it
    before the short transaction that inserts the row (``insert_artifact``),
    never while holding a capture's row lock: the write may be slow (a large
    video, a remote store).
    """
    if (data is None) == (path is None):
        raise ValueError("Give exactly one of data or path.")
    storage = storage or default_storage
    if data is not None:
        sha, size = sha256_bytes(data), len(data)
        key = storage_key_for(sha, name)
        _put(storage, key, ContentFile(data))
    else:
        assert path is not None
        with open(path, "rb") as handle:
            sha, size = sha256_stream(handle)
            handle.seek(0)
            key = storage_key_for(sha, name)
            _put(storage, key, File(handle))
    return StoredFile(name=name, storage_key=key, sha256=sha, size=size)


def insert_artifact(
    *,
    capture: Capture,
    stored: StoredFile,
    kind: str,
    media_type: str | None = None,
    derived_from: Artifact | None = None,
    how: str = "",
    partial: bool = False,
    metadata: dict[str, Any] | None = None,
) -> Artifact:
    """The row of a file ``put_file`` wrote; idempotent on (capture, name). Fast: no I/O but SQL."""
    existing = Artifact.objects.filter(capture=capture, name=stored.name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Artifact.objects.create(
                capture=capture,
                name=stored.name,
                kind=kind,
                storage_key=stored.storage_key,
                size=stored.size,
                sha256=stored.sha256,
                media_type=media_type or guess_media_type(stored.name),
                derived_from=derived_from,
                how=how,
                partial=partial,
                metadata=metadata or {},
            )
    except IntegrityError:  # a concurrent call stored it first: keep that row
        return Artifact.objects.get(capture=capture, name=stored.name)


def insert_artifacts(
    *, capture: Capture, files: list[tuple[StoredFile, dict[str, Any]]]
) -> list[Artifact]:
    """The rows of several written files in one INSERT, in order. Fast: no I/O but SQL.

    Each item is a ``StoredFile`` and the keyword arguments of ``insert_artifact``
    (``kind``, ``media_type``, ``derived_from``, ``how``, ``partial``, ``metadata``).
    Idempotent on (capture, name) like ``insert_artifact``: if the capture already
    has one of the names, each file goes through ``insert_artifact`` instead (that
    row is kept).
    """
    rows = [
        Artifact(
            capture=capture,
            name=stored.name,
            kind=row["kind"],
            storage_key=stored.storage_key,
            size=stored.size,
            sha256=stored.sha256,
            media_type=row.get("media_type") or guess_media_type(stored.name),
            derived_from=row.get("derived_from"),
            how=row.get("how", ""),
            partial=row.get("partial", False),
            metadata=row.get("metadata") or {},
        )
        for stored, row in files
    ]
    try:
        with transaction.atomic():
            return Artifact.objects.bulk_create(rows)
    except IntegrityError:  # a name already stored: one at a time, keeping those rows
        return [insert_artifact(capture=capture, stored=stored, **row) for stored, row in files]


def store_artifact(
    *,
    capture: Capture,
    kind: str,
    name: str,
    data: bytes | None = None,
    path: str | None = None,
    media_type: str | None = None,
    derived_from: Artifact | None = None,
    how: str = "",
    partial: bool = False,
    metadata: dict[str, Any] | None = None,
    storage: Storage | None = None,
) -> Artifact:
    """``put_file`` then ``insert_artifact``: for callers that hold no lock.

    A second call with the same capture and name returns the existing row and
    writes nothing, so a task that runs twice stores each artifact once. The
    capture pipeline does not call this under its lock: its steps go through
    ``CaptureContext.store``, which writes first and locks only for the row.
    """
    existing = Artifact.objects.filter(capture=capture, name=name).first()
    if existing is not None:
        return existing
    stored = put_file(name=name, data=data, path=path, storage=storage)
    return insert_artifact(
        capture=capture,
        stored=stored,
        kind=kind,
        media_type=media_type,
        derived_from=derived_from,
        how=how,
        partial=partial,
        metadata=metadata,
    )


def open_artifact(artifact: Artifact, storage: Storage | None = None) -> IO[bytes]:
    return open_artifact_key(artifact.storage_key, storage)


def open_artifact_key(key: str, storage: Storage | None = None) -> IO[bytes]:
    return (storage or default_storage).open(key, "rb")


def rehash(artifact: Artifact, storage: Storage | None = None) -> tuple[str, int]:
    with open_artifact(artifact, storage) as handle:
        return sha256_stream(handle)
