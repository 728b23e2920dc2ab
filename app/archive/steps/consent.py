"""The ``signals`` step: what the site said about AI training, at the moment of capture.

Runs after every successful fetch. Reads the site's ``robots.txt``,
``/.well-known/tdmrep.json`` and ``ai.txt`` (each fetched **once per origin
per UTC day** through the one safe client and shared by that day's captures:
``HostFile``), the page's signal headers and, for HTML, its signal meta tags.
Stores, each hashed into the manifest:

- ``robots.txt``, ``tdmrep.json``, ``ai.txt``: the bytes as served (when found),
- ``signals-headers.json``: the signal headers and meta tags as received,
- ``signals.json``: the parsed record (``app.archive.consent.build_record``),

and a ``ConsentRecord`` row for pages and timelines: all the rows in one short
transaction (``insert_artifacts``, an upsert of the record), the one that records
the step (``recorded_at_end``, ``ctx.write_with_step_row``). A missing file is a
finding, not a failure; the step fails (``connection``, ``timeout``...) only
when ``robots.txt`` could not be read at all, and never ends the capture.
"""

from __future__ import annotations

import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from app.archive import consent
from app.archive.manifest import canonical_json
from app.archive.models import ArtifactKind, ConsentRecord, HostFile
from app.archive.serializers import iso_utc
from app.archive.steps.base import CaptureContext, Step, StepFailed, StepOutcome
from app.archive.storage import StoredFile, insert_artifacts, open_artifact_key, put_file
from app.lib.http import FetchError, fetch

HOST_FILES = {
    "robots.txt": "/robots.txt",
    "tdmrep.json": "/.well-known/tdmrep.json",
    "ai.txt": "/ai.txt",
}
HOST_FILE_MAX_BYTES = 512 * 1024  # RFC 9309 asks parsers to read at least 500 KiB
HOST_FILE_TIMEOUT = 15.0
UNREACHABLE_RETRY = timedelta(hours=1)
HEADERS_NAME = "signals-headers.json"
RECORD_NAME = "signals.json"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _fetch_host_file(origin: str, name: str, now: datetime) -> tuple[dict[str, Any], bytes | None]:
    url = origin + HOST_FILES[name]
    found: dict[str, Any] = {"url": url, "fetched_at": now, "http_status": None}
    try:
        result = fetch(
            url,
            max_bytes=HOST_FILE_MAX_BYTES,
            total_timeout=min(HOST_FILE_TIMEOUT, float(settings.ARCHIVE_TOTAL_TIMEOUT)),
            max_redirects=5,
        )
    except FetchError as exc:
        status = "missing" if exc.error_class == "too_large" and name != "robots.txt" else ""
        return {
            **found,
            "status": status or "unreachable",
            "error_class": exc.error_class,
            "error_text": str(exc)[:500],
        }, None
    found.update(url=result.url[:2000], http_status=result.status)
    if 200 <= result.status < 300:
        return {**found, "status": "found", "media_type": result.content_type}, result.body
    if 400 <= result.status < 500 and result.status != 429:
        return {**found, "status": "missing"}, None
    return {**found, "status": "unreachable", "error_class": "server_error"}, None


def host_files(
    origin: str, *, now: datetime | None = None, names: tuple[str, ...] = tuple(HOST_FILES)
) -> dict[str, tuple[HostFile, bytes | None]]:
    """Today's copies of the origin's files (``names``, by default all of ``HOST_FILES``).

    Every capture of a site but its first of the day finds them in this process's
    memory (``_day_cache``: no query, no storage read); otherwise one query, when the
    day's rows are all there. Otherwise (the day's first capture, or a file
    unreachable for ``UNREACHABLE_RETRY``) the missing files are fetched together,
    each through the one safe client with its caps, under a lock per origin: the
    captures of a site that start together in this process wait for those
    fetches instead of all fetching. Captures in different processes racing on
    an uncached origin may both fetch; the first row inserted wins and both use it.
    """
    now = now or timezone.now()
    day = now.astimezone(UTC).date()
    found = _day_cache.get(origin, day, names)
    if found is not None:
        return found
    rows = _day_rows(origin, day, names)
    if not _due(rows, names, now):
        return _day_cache.keep(
            origin, day, {name: (rows[name], _read(rows[name])) for name in names}
        )
    with _lock_for(origin):
        found = _day_cache.get(origin, day, names)  # another capture may have fetched them
        if found is not None:
            return found
        rows = _day_rows(origin, day, names)
        due = _due(rows, names, now)
        fetched = _fetch_together(origin, due, now)
        return _day_cache.keep(
            origin,
            day,
            {
                name: (
                    _keep(origin, name, day, rows.get(name), *fetched[name])
                    if name in fetched
                    else (rows[name], _read(rows[name]))
                )
                for name in names
            },
        )


class _DayCache:
    """The day's site files that can no longer change, per origin, with their bytes.

    A ``found`` or ``missing`` row is never updated once written (only an
    ``unreachable`` one is, when fetched again: those are not kept here), so a
    process may keep it for the rest of its UTC day. Keyed by (origin, day): another
    day's files are never served (the cache is emptied when the day changes), and a
    ``HostFile`` row saved or deleted through the ORM drops its entry (``forget``: tests
    and benches delete the rows to start a new day; ``forget_host_files`` empties it).
    Bounded in bytes; the rows returned are shared between threads: never change them.
    """

    MAX_BYTES = 32 * 1024 * 1024

    def __init__(self) -> None:
        self._files: dict[tuple[str, str], tuple[HostFile, bytes | None]] = {}
        self._day: date | None = None
        self._bytes = 0
        self._guard = threading.Lock()

    def get(
        self, origin: str, day: date, names: tuple[str, ...]
    ) -> dict[str, tuple[HostFile, bytes | None]] | None:
        if day != self._day:
            return None
        files = self._files
        try:
            return {name: files[(origin, name)] for name in names}
        except KeyError:
            return None

    def keep(
        self, origin: str, day: date, files: dict[str, tuple[HostFile, bytes | None]]
    ) -> dict[str, tuple[HostFile, bytes | None]]:
        final = {
            name: (row, body)
            for name, (row, body) in files.items()
            if row.day == day
            and (row.status == "missing" or (row.status == "found" and body is not None))
        }
        if not final:
            return files
        size = sum(len(body or b"") for _row, body in final.values())
        with self._guard:
            if day != self._day or self._bytes + size > self.MAX_BYTES:
                self._files, self._day, self._bytes = {}, day, 0
            for name, entry in final.items():
                old = self._files.get((origin, name))
                self._files[(origin, name)] = entry
                self._bytes += len(entry[1] or b"") - len(old[1] or b"" if old else b"")
        return files

    def forget(self, instance: HostFile, **_kwargs: Any) -> None:
        """A row saved or deleted: its origin's file is read from the database again."""
        with self._guard:
            entry = self._files.pop((instance.origin, instance.name), None)
            if entry is not None:
                self._bytes -= len(entry[1] or b"")

    def clear(self) -> None:
        with self._guard:
            self._files, self._day, self._bytes = {}, None, 0


_day_cache = _DayCache()
forget_host_files = _day_cache.clear
post_save.connect(_day_cache.forget, sender=HostFile, dispatch_uid="host-file-day-cache-save")
post_delete.connect(_day_cache.forget, sender=HostFile, dispatch_uid="host-file-day-cache-delete")


def host_file(
    origin: str, name: str, *, now: datetime | None = None
) -> tuple[HostFile, bytes | None]:
    """Today's copy of one of the origin's files: from the cache, else fetched and cached."""
    return host_files(origin, now=now, names=(name,))[name]


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(origin: str) -> threading.Lock:
    with _locks_guard:
        if len(_locks) > 10_000:
            _locks.clear()
        return _locks.setdefault(origin, threading.Lock())


def _day_rows(origin: str, day: date, names: tuple[str, ...]) -> dict[str, HostFile]:
    return {
        row.name: row
        for row in HostFile.objects.filter(origin=origin, day=day, name__in=list(names))
    }


def _due(rows: dict[str, HostFile], names: tuple[str, ...], now: datetime) -> list[str]:
    return [name for name in names if name not in rows or not _usable(rows[name], now)]


def _usable(row: HostFile, now: datetime) -> bool:
    return row.status != "unreachable" or row.fetched_at > now - UNREACHABLE_RETRY


def _fetch_together(
    origin: str, names: list[str], now: datetime
) -> dict[str, tuple[dict[str, Any], bytes | None]]:
    """Fetch the named files at the same time (network only, no database in the threads):
    the day's first capture of a site waits for the slowest one, not for their sum."""
    if len(names) <= 1:
        return {name: _fetch_host_file(origin, name, now) for name in names}
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="host-file") as pool:
        futures = {name: pool.submit(_fetch_host_file, origin, name, now) for name in names}
        return {name: future.result() for name, future in futures.items()}


def _keep(
    origin: str,
    name: str,
    day: date,
    cached: HostFile | None,
    fields: dict[str, Any],
    body: bytes | None,
) -> tuple[HostFile, bytes | None]:
    """Store a fetched file and its row (updating the day's unreachable row, if any)."""
    if body is not None:
        stored = put_file(name=name, data=body)
        fields.update(storage_key=stored.storage_key, sha256=stored.sha256, size=stored.size)
    fields.setdefault("error_class", "")
    fields.setdefault("error_text", "")
    fields.setdefault("media_type", "")
    if cached is not None:
        HostFile.objects.filter(pk=cached.pk).update(**fields)
        cached.refresh_from_db()
        return cached, body
    try:
        with transaction.atomic():
            row = HostFile.objects.create(origin=origin, name=name, day=day, **fields)
    except IntegrityError:  # another process cached it first
        row = HostFile.objects.get(origin=origin, name=name, day=day)
        return row, _read(row)
    return row, body


def _read(row: HostFile) -> bytes | None:
    if row.status != "found" or not row.storage_key:
        return None
    try:
        with open_artifact_key(row.storage_key) as handle:
            return bytes(handle.read(HOST_FILE_MAX_BYTES + 1))
    except OSError:
        return None


def _file_entry(row: HostFile) -> dict[str, Any]:
    return {
        "url": row.url,
        "status": row.status,
        "http_status": row.http_status,
        "fetched_at": iso_utc(row.fetched_at),
        "sha256": row.sha256 or None,
        "error_class": row.error_class,
    }


def run(ctx: CaptureContext) -> StepOutcome:
    result = ctx.fetch
    assert result is not None
    now = timezone.now()
    origin = origin_of(result.url)
    cached = host_files(origin, now=now)
    rows = {name: row for name, (row, _body) in cached.items()}
    bodies = {name: body for name, (_row, body) in cached.items()}
    headers = consent.signal_headers(result.headers)
    meta = consent.meta_signals(result.text()) if ctx.is_html else {}
    record = consent.build_record(
        url=result.url,
        observed_at=iso_utc(now),
        files={name: _file_entry(row) for name, row in rows.items()},
        headers=headers,
        meta=meta,
        bodies=bodies,
    )
    warc = ctx.artifacts.get("page.warc.gz")
    # The files are hashed and written first, with no lock held (STYLE.md habit 5).
    files: list[tuple[StoredFile, dict[str, Any]]] = []
    for name, row in rows.items():
        if row.status == "found" and row.storage_key:
            files.append(
                (
                    StoredFile(name, row.storage_key, row.sha256, row.size),
                    {
                        "kind": ArtifactKind.SIGNAL,
                        "media_type": row.media_type or "text/plain",
                        "how": f"GET {row.url} at {iso_utc(row.fetched_at)} "
                        "(fetched once per site per day, shared by that day's captures)",
                        "metadata": {"url": row.url, "fetched_at": iso_utc(row.fetched_at)},
                    },
                )
            )
    raw = {"url": result.url, "headers": headers, "meta": meta}
    files.append(
        (
            put_file(name=HEADERS_NAME, data=canonical_json(raw)),
            {
                "kind": ArtifactKind.SIGNAL,
                "media_type": "application/json",
                "derived_from": warc,
                "how": "signal headers of the final response and meta tags of the page",
            },
        )
    )
    files.append(
        (
            put_file(name=RECORD_NAME, data=canonical_json(record)),
            {
                "kind": ArtifactKind.SIGNAL,
                "media_type": "application/json",
                "how": f"{consent.SIGNALS_FORMAT}: protego, TDMRep, ai.txt, Content-Usage",
            },
        )
    )
    summary = record["summary"]
    consent_row = ConsentRecord(
        capture=ctx.capture,
        host=origin[:300],
        observed_at=now,
        robots_status=summary["robots_txt"],
        disallowed_agents=summary["disallowed_agents"],
        tdm_reserved=summary["tdm_reserved"],
        tdm_policy=summary["tdm_policy"][:2000],
        content_usage=summary["content_usage"],
        record=record,
    )
    # The rows in one short transaction, the one that records the step (its row is
    # written once, at its end): the artifacts in one INSERT, the record in one
    # INSERT ... ON CONFLICT (an earlier attempt of the capture may have left one).

    def write_rows() -> None:
        made = insert_artifacts(capture=ctx.capture, files=files)
        ConsentRecord.objects.bulk_create(
            [consent_row],
            update_conflicts=True,
            unique_fields=["capture"],
            update_fields=RECORD_FIELDS,
        )
        ctx.artifacts.update((artifact.name, artifact) for artifact in made)

    ctx.write_with_step_row(write_rows)
    details = {
        "robots_txt": summary["robots_txt"],
        "disallowed": len(summary["disallowed_agents"]),
        "tdm_reserved": summary["tdm_reserved"],
        "cached": [n for n, r in rows.items() if r.fetched_at < now],
    }
    robots = rows["robots.txt"]
    if robots.status == "unreachable":
        raise StepFailed(
            robots.error_class or "connection",
            f"robots.txt unreachable ({robots.error_text or robots.http_status}); "
            "the other signals are recorded",
            details=details,
        )
    return StepOutcome(details=details, tool_version=_protego_version())


RECORD_FIELDS = [
    "host",
    "observed_at",
    "robots_status",
    "disallowed_agents",
    "tdm_reserved",
    "tdm_policy",
    "content_usage",
    "record",
]


@functools.cache
def _protego_version() -> str:
    from importlib.metadata import version

    try:
        return version("protego")
    except Exception:
        return ""


def should_run(ctx: CaptureContext) -> bool:
    return ctx.fetch is not None and bool(getattr(settings, "ARCHIVE_SIGNALS_STEP", True))


def time_limit() -> float:
    return HOST_FILE_TIMEOUT * len(HOST_FILES) + 30


STEP = Step(
    name="signals",
    run=run,
    should_run=should_run,
    tool="protego + trainedon signals",
    version=_protego_version,
    time_limit=time_limit,
    recorded_at_end=True,
)
