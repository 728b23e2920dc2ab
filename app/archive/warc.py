"""Writing WARC files (gzip, one record per member) with warcio.

Every file starts with a ``warcinfo`` record naming the software and its
versions. A fetch becomes a request and a response record for every hop,
redirects included, each with the date and the IP address actually
connected to.

The HTTP client hands over bodies with the chunked transfer coding already
removed (content codings such as gzip are kept, byte for byte). A WARC
response must hold the message as sent, so the ``Transfer-Encoding`` header
is renamed to ``X-Archive-Orig-Transfer-Encoding`` (the convention of pywb
and other replay tools) rather than claiming a chunked body that is not.
"""

from __future__ import annotations

import io
import platform
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from app.lib.http import Hop

Headers = list[tuple[str, str]]


def warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _response_headers(headers: Iterable[tuple[str, str]]) -> Headers:
    out: Headers = []
    for name, value in headers:
        if name.lower() == "transfer-encoding":
            out.append(("X-Archive-Orig-Transfer-Encoding", value))
        else:
            out.append((name, value))
    return out


def _status_line(status: int, reason: str) -> str:
    if not reason:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    return f"{status} {reason}".strip()


# warcio always gzips at level 9; level 6 (gzip's own default) takes about half
# the time for a size within a few percent (measured on article pages).
GZIP_LEVEL = 6


class _Gzip:
    """One gzip member per record, as warcio's wrapper does, at ``GZIP_LEVEL``."""

    def __init__(self, out: io.BytesIO) -> None:
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.out = out

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())


class _Writer(WARCWriter):
    def _write_warc_record(self, out: io.BytesIO, record: Any) -> None:
        super()._write_warc_record(_Gzip(out), record)


class CaptureWarc:
    """An in-memory gzip WARC; ``getvalue()`` returns its bytes."""

    def __init__(self, filename: str, software: dict[str, str], extra: dict[str, Any]) -> None:
        self.buffer = io.BytesIO()
        self.writer = _Writer(self.buffer, gzip=False)
        versions = " ".join(f"{name}/{version}" for name, version in software.items())
        info = {
            "software": versions,
            "format": "WARC File Format 1.0",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.0/",
            "python": platform.python_version(),
            **{key: str(value) for key, value in extra.items()},
        }
        self.writer.write_record(self.writer.create_warcinfo_record(filename, info))
        self.records = 1

    def add_hop(self, hop: Hop) -> None:
        """A request record and its response record, linked by WARC-Concurrent-To."""
        date = warc_date(hop.started_at)
        parts = urlsplit(hop.request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = StatusAndHeaders(
            f"{hop.request.method} {target} HTTP/1.1",
            list(hop.request.headers),
            is_http_request=True,
        )
        warc_headers: dict[str, str] = {"WARC-Date": date}
        if hop.ip:
            warc_headers["WARC-IP-Address"] = hop.ip
        request = self.writer.create_warc_record(
            hop.request.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=request_headers,
            warc_headers_dict=dict(warc_headers),
        )
        response = self._response(hop.url, hop.status, hop.reason, hop.headers, hop.raw_body)
        if hop.truncated:  # a video's first bytes only: the media step keeps the file
            warc_headers["WARC-Truncated"] = "length"
        for name, value in warc_headers.items():
            response.rec_headers.replace_header(name, value)
        self.writer.write_request_response_pair(request, response)
        self.records += 2

    def add_response(
        self,
        url: str,
        status: int,
        reason: str,
        headers: Headers,
        raw_body: bytes,
        *,
        date: datetime | None = None,
    ) -> None:
        """A response record alone (subresources seen by the browser's proxy)."""
        record = self._response(url, status, reason, headers, raw_body)
        if date is not None:
            record.rec_headers.replace_header("WARC-Date", warc_date(date))
        self.writer.write_record(record)
        self.records += 1

    def _response(
        self, url: str, status: int, reason: str, headers: Headers, raw_body: bytes
    ) -> Any:
        http_headers = StatusAndHeaders(
            _status_line(status, reason), _response_headers(headers), protocol="HTTP/1.1"
        )
        return self.writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(raw_body),
            length=len(raw_body),
            http_headers=http_headers,
        )

    def getvalue(self) -> bytes:
        return self.buffer.getvalue()
