"""Request bodies as the WSGI server hands them over, made safe for Django to read.

Two gaps between a WSGI server and Django, closed here (``app/wsgi.py`` wraps
the application in `BodyGuard`):

- **Chunked bodies.** A client may send ``Transfer-Encoding: chunked`` without
  a ``Content-Length``. gunicorn de-chunks such a body and says so with
  ``wsgi.input_terminated``, but Django reads ``CONTENT_LENGTH`` bytes, which
  is none, so the body looked empty. The guard reads it to its end (at most
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, else 413) into a spooled file and sets
  ``CONTENT_LENGTH``. A server that does not de-chunk gets a 411.
- **A Content-Length that lies.** A body that ends (the client closed its side)
  or stops arriving (the socket read times out, see ``gunicorn.conf.py`` and
  ``BODY_READ_TIMEOUT``) before the announced length raises `IncompleteBody`
  from the read, which `app.core.middleware` answers with a 400 that says how
  many bytes came; a view never sees a truncated body as if it were whole.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.conf import settings

from app.core.middleware import IncompleteBody

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
SPOOL_IN_MEMORY = 256 * 1024


class StrictInput:
    """``wsgi.input`` of a body with a Content-Length: short or stalled reads raise."""

    def __init__(self, stream: Any, length: int) -> None:
        self.stream, self.length, self.remaining = stream, length, length

    def _incomplete(self, how: str) -> IncompleteBody:
        received = self.length - self.remaining
        return IncompleteBody(
            f"The request body {how} after {received} of the {self.length} bytes its "
            "Content-Length announced."
        )

    def _take(self, reader: Callable[[int], bytes], size: int | None) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        if want == 0:
            return b""
        try:
            data = reader(want)
        except OSError:  # socket.timeout is TimeoutError, an OSError; a reset too
            raise self._incomplete("stopped arriving") from None
        if not data:
            raise self._incomplete("ended")
        self.remaining -= len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._take(self.stream.read, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._take(self.stream.readline, size)


def _answer(
    environ: dict[str, Any], start_response: StartResponse, status: str, message: str
) -> list[bytes]:
    code = int(status.split()[0])
    if str(environ.get("PATH_INFO", "")).startswith("/api/"):
        body = json.dumps({"error": {"status": code, "code": "bad_request", "message": message}})
        content_type = "application/json"
    else:
        body, content_type = message + "\n", "text/plain; charset=utf-8"
    data = body.encode()
    start_response(
        status,
        [("Content-Type", content_type), ("Content-Length", str(len(data)))],
    )
    return [data]


class BodyGuard:
    """WSGI middleware: chunked bodies read whole, lying lengths refused (see module doc)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        declared = str(environ.get("CONTENT_LENGTH") or "").strip()
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        if not declared and chunked:
            if not environ.get("wsgi.input_terminated"):
                message = "Send the body with a Content-Length: this server does not de-chunk."
                return _answer(environ, start_response, "411 Length Required", message)
            spooled = self._spool(environ["wsgi.input"], settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            if spooled is None:
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                message = (
                    f"A chunked body may be at most {limit} bytes; send a larger one with "
                    "its Content-Length."
                )
                return _answer(environ, start_response, "413 Content Too Large", message)
            body, size = spooled
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = body, str(size)
        elif declared.isdigit() and int(declared) > 0:
            environ["wsgi.input"] = StrictInput(environ["wsgi.input"], int(declared))
        return self.app(environ, start_response)

    @staticmethod
    def _spool(stream: Any, limit: int) -> tuple[IO[bytes], int] | None:
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        size = 0
        while True:
            chunk = stream.read(min(64 * 1024, limit + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                body.close()
                return None
            body.write(chunk)
        body.seek(0)
        return body, size
