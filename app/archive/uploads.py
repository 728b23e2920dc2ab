"""Manual uploads: a byte limit enforced while streaming, and type by magic bytes.

The client's Content-Type and file name are never trusted: the first bytes
decide what a file is, and anything not on the list is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from app.archive.models import ArtifactKind

SNIFF_BYTES = 4096
# Multipart framing around one file (boundaries, headers, the CSRF field):
# a request this much bigger than the limit cannot hold an acceptable file.
MULTIPART_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class FileType:
    media_type: str
    kind: str  # an ArtifactKind
    extension: str
    label: str


PNG = FileType("image/png", ArtifactKind.SCREENSHOT, ".png", "PNG image")
JPEG = FileType("image/jpeg", ArtifactKind.SCREENSHOT, ".jpg", "JPEG image")
WEBP = FileType("image/webp", ArtifactKind.SCREENSHOT, ".webp", "WebP image")
PDF = FileType("application/pdf", ArtifactKind.DOCUMENT, ".pdf", "PDF document")
HTML = FileType("text/html", ArtifactKind.HTML, ".html", "saved web page")
MP4 = FileType("video/mp4", ArtifactKind.VIDEO, ".mp4", "MP4 video")
WEBM = FileType("video/webm", ArtifactKind.VIDEO, ".webm", "WebM video")
ACCEPTED = (PNG, JPEG, WEBP, PDF, HTML, MP4, WEBM)
ACCEPTED_LABELS = ", ".join(t.label for t in ACCEPTED)

_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)[\s>]",
    re.IGNORECASE | re.DOTALL,
)


def sniff(head: bytes) -> FileType | None:
    """What the first bytes of a file say it is, or None when it is not accepted."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return WEBM
    if _HTML_START.match(head[:SNIFF_BYTES]):
        return HTML
    return None


def declared_length(meta: dict[str, Any]) -> int | None:
    try:
        return int(meta.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


class LimitedUploadHandler(FileUploadHandler):
    """Counts file bytes as they stream in and stops the upload past ``limit``.

    It passes every chunk on to the next handler (memory or temporary file),
    so nothing is held here; once over the limit it stops parsing and flags
    ``exceeded`` for the view to report.
    """

    def __init__(self, limit: int, request: Any = None) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
