"""gunicorn settings read by every `gunicorn app.wsgi:application` run from this folder.

gunicorn reads ``./gunicorn.conf.py`` on its own; the command line (Dockerfile,
docker-compose.yml) still sets the bind address, workers and threads.

A request body that stops arriving would otherwise hold a worker thread for as
long as the client keeps the connection open: each read from the client's
socket now waits at most ``BODY_READ_TIMEOUT`` seconds (default 10), after
which the read fails and app/core/wsgi_body.py answers 400 with how many of the
announced bytes came. It bounds the silence between two packets, not the whole
upload, so a slow but steady upload is not cut off.
"""

from __future__ import annotations

from typing import Any

from app.env import env_float

BODY_READ_TIMEOUT = env_float("BODY_READ_TIMEOUT", 10.0, minimum=0.1)


def pre_request(worker: Any, req: Any) -> None:
    sock = getattr(getattr(req, "unreader", None), "sock", None)
    if sock is not None and hasattr(sock, "settimeout"):
        sock.settimeout(BODY_READ_TIMEOUT)


# The access log keeps no record of who asked what: no client address, no query
# string (a "Is my work in it?" lookup or a search is in the query), no referrer or
# user agent. Method, path, status, size and time are enough to run the site.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
