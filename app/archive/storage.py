"""Writing artifacts: content-addressed, hashed at write time, written once.

Keys look like ``sha256/ab/cd/abcdef....ext``. Two captures that produce the
same bytes share one stored file; the `Artifact` rows stay separate, so each
capture's manifest still lists what it produced.
"""

from __future__ import annotations

import hashlib
import mimetypes
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
    if not storage.exists(key):
        saved = storage.save(key, content)
        if saved != key:  # a storage that renames on collision would break addressing
            storage.delete(saved)
            raise RuntimeError(f"Storage renamed {key!r} to {saved!r}.")


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
    """Hash and store one file for a capture; idempotent on (capture, name).

    Give either ``data`` (bytes) or ``path`` (a local file, streamed). A second
    call with the same capture and name returns the existing row and writes
    nothing, so a task that runs twice stores each artifact once.
    """
    if (data is None) == (path is None):
        raise ValueError("Give exactly one of data or path.")
    existing = Artifact.objects.filter(capture=capture, name=name).first()
    if existing is not None:
        return existing
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
    try:
        with transaction.atomic():
            return Artifact.objects.create(
                capture=capture,
                name=name,
                kind=kind,
                storage_key=key,
                size=size,
                sha256=sha,
                media_type=media_type or guess_media_type(name),
                derived_from=derived_from,
                how=how,
                partial=partial,
                metadata=metadata or {},
            )
    except IntegrityError:  # a concurrent call stored it first: keep that row
        return Artifact.objects.get(capture=capture, name=name)


def open_artifact(artifact: Artifact, storage: Storage | None = None) -> IO[bytes]:
    return (storage or default_storage).open(artifact.storage_key, "rb")


def rehash(artifact: Artifact, storage: Storage | None = None) -> tuple[str, int]:
    with open_artifact(artifact, storage) as handle:
        return sha256_stream(handle)
