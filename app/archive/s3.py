"""Archive files on S3-compatible object storage, read as streams.

django-storages' ``S3File`` downloads a whole object into a spooled temporary
file before the first ``read()`` (in memory, with its default
``AWS_S3_MAX_MEMORY_SIZE`` of 0), so hashing a 500 MiB video or serving it
would hold all of it at once. ``ArchiveS3Storage`` opens files for reading as
``S3Stream``: ranged GET requests read in chunks, with ``seek`` (PyAV probes
videos by seeking), so memory stays at one buffer whatever the size.

Writes are django-storages' own: ``upload_fileobj`` with a transfer
configuration, which switches to a multipart upload above
``multipart_threshold`` (``S3_MULTIPART_THRESHOLD``, 8 MiB by default).

Downloads are served by redirecting to a short-lived signed URL
(``ARTIFACT_URL_SECONDS``); see ``signed_url`` and app.archive.views.
"""

from __future__ import annotations

import io
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.base import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# One ranged GET reads at most this much ahead of what the reader asked for.
READ_BUFFER = 1024 * 1024


class S3Stream(io.RawIOBase):
    """A seekable, read-only stream over one S3 object.

    Reading opens one GET from the current position and reads its body as
    asked; a seek elsewhere drops that body, and the next read opens a ranged
    GET from the new position. Nothing is read before the first ``read()``.
    """

    def __init__(self, client: Any, bucket: str, key: str, size: int) -> None:
        super().__init__()
        self._client = client
        self._bucket = bucket
        self._key = key
        self._size = size
        self._pos = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        target = base + offset
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target != self._pos:
            self._drop_body()
            self._pos = target
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not len(view) or self._pos >= self._size:
            return 0
        if self._body is None:
            response = self._client.get_object(
                Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-"
            )
            self._body = response["Body"]
        data = self._body.read(len(view))
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()


class ArchiveS3Storage(S3Storage):
    """django-storages' S3 backend with streamed reads."""

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        if "w" in mode or "a" in mode or "+" in mode:
            return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        client = self.connection.meta.client
        try:
            head = client.head_object(Bucket=self.bucket_name, Key=key)
        except ClientError as err:
            if err.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        raw = S3Stream(client, self.bucket_name, key, int(head["ContentLength"]))
        stream = io.BufferedReader(raw, buffer_size=READ_BUFFER)
        return File(stream, name=name)


def signed_url(
    storage: Any,
    key: str,
    *,
    filename: str,
    media_type: str,
    attachment: bool,
) -> str | None:
    """A short-lived signed GET URL for ``key``, or None when the storage has none.

    The URL fixes the response's Content-Type and Content-Disposition, so the
    object store serves exactly what our own view would (an unsafe type as an
    attachment of type application/octet-stream), from its own origin.
    """
    if not isinstance(storage, S3Storage):
        return None
    disposition = "attachment" if attachment else "inline"
    safe_name = filename.replace('"', "").replace("\\", "")
    return storage.url(
        key,
        parameters={
            "ResponseContentType": media_type,
            "ResponseContentDisposition": f'{disposition}; filename="{safe_name}"',
            "ResponseCacheControl": "private, max-age=60",
        },
        expire=settings.ARTIFACT_URL_SECONDS,
    )
