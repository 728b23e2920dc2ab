"""Link health and edit tracking: re-check a source, record it, react to what changed.

``check_source(source=..., now=...)`` does one check: a cheap conditional
request through the safe client (``fetch_conditional``), then, only when the
validators do not prove the page unchanged, the page itself and its text,
compared with the text of the latest capture (app.monitor.diff). The
network part runs outside any transaction; the result is written under a
lock on the source row (STYLE.md habit 5). Every function takes ``now`` so
tests travel in time instead of sleeping.

What a check does to its source:

- alive / moved / changed: strikes reset, ``gone_since`` cleared;
  changed also sets ``last_changed_at`` (once per new text) and asks for a
  new full capture (origin ``monitor``), so both versions are kept;
- gone (404, 410, DNS failure, a platform's removal page, a redirect to
  the home page): a strike, if the last one is a day old or more; the third
  marks the source gone since the first strike;
- blocked (login wall, CAPTCHA, 429) and errors: recorded, nothing else.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from app.archive.detect import detect_wall
from app.archive.models import (
    WITH_FILES,
    Artifact,
    ArtifactKind,
    Capture,
    CaptureOrigin,
    CaptureStatus,
)
from app.archive.services import request_capture
from app.archive.storage import open_artifact
from app.catalog.choices import OnlineStatus
from app.catalog.models import Source
from app.lib.http import FetchError, FetchResult, classify_status, fetch, fetch_conditional
from app.monitor import checks
from app.monitor.diff import compare, normalized_sha256
from app.monitor.models import CheckOutcome, LinkCheck

log = logging.getLogger(__name__)

ACTIVE_STATUSES = (CaptureStatus.QUEUED, CaptureStatus.RUNNING)
# A source taken by a check run is not handed out again for this long (a lease).
CHECK_LEASE = timedelta(hours=1)


@dataclass(frozen=True)
class Observation:
    """What one check saw, before it is applied to the source."""

    outcome: str
    reason: str
    method: str = ""
    http_status: int | None = None
    final_url: str = ""
    error_class: str = ""
    etag: str = ""
    last_modified: str = ""
    text_sha256: str = ""
    words_added: int | None = None
    words_removed: int | None = None
    elapsed_ms: int | None = None


# --------------------------------------------------------------------------
# Looking (network; no transaction)
# --------------------------------------------------------------------------


def latest_capture(source: Source) -> Capture | None:
    return source.captures.filter(status__in=WITH_FILES).order_by("-created_at", "-id").first()


def archived_text(source: Source) -> str | None:
    """The extracted text of the latest capture that has one, or None."""
    artifact = (
        Artifact.objects.filter(
            capture__source=source, capture__status__in=WITH_FILES, kind=ArtifactKind.TEXT
        )
        .order_by("-capture__created_at", "-capture_id")
        .first()
    )
    if artifact is None:
        return None
    with open_artifact(artifact) as handle:
        return bytes(handle.read()).decode("utf-8", "replace")


def _validators(source: Source) -> tuple[str, str]:
    """ETag and Last-Modified last seen: the previous check's, else the latest capture's."""
    previous = source.link_checks.exclude(etag="", last_modified="").first()
    if previous is not None:
        return previous.etag, previous.last_modified
    capture = latest_capture(source)
    headers = capture.response_headers if capture is not None else {}
    return str(headers.get("etag", "")), str(headers.get("last-modified", ""))


def _from_error(exc: FetchError) -> Observation:
    if exc.error_class == "gone":
        return Observation(CheckOutcome.GONE, f"the name does not resolve: {exc.message}"[:500],
                           error_class="gone")  # fmt: skip
    reason = f"{exc.error_class}: {exc.message}"[:500]
    return Observation(CheckOutcome.ERROR, reason, error_class=exc.error_class)


def _from_status(result: FetchResult) -> Observation | None:
    """The outcome an error status decides by itself, or None for 1xx-3xx."""
    error_class, _retry_after = classify_status(result.status, result.headers)
    label = f"HTTP {result.status} {result.reason}".strip()
    if error_class is None:
        return None
    if error_class == "not_found":
        return Observation(CheckOutcome.GONE, label, error_class=error_class)
    if error_class == "rate_limited" or result.status in (401, 403, 407):
        wall = "rate limited" if error_class == "rate_limited" else "login wall or refusal"
        return Observation(CheckOutcome.BLOCKED, f"{label} ({wall})", error_class=error_class)
    return Observation(CheckOutcome.ERROR, label, error_class=error_class)


def _page_text(result: FetchResult) -> tuple[Observation | None, str]:
    """Read a page fully fetched: a stand-in page decides the outcome, else its text."""
    kind = result.content_type
    if kind == "application/pdf":
        from app.archive.steps.document import pdf_text

        return None, pdf_text(result.body)[0]
    if kind == "text/plain":
        return None, result.text()
    html = result.text()
    wall = detect_wall(html, url=result.url, headers=result.headers)
    if wall is not None:
        return Observation(CheckOutcome.BLOCKED, wall.reason, error_class=wall.error_class), ""
    notice = checks.removal_notice(html)
    if notice:
        return Observation(CheckOutcome.GONE, f"removal page: “{notice}”"), ""
    from app.archive.steps.extract import extract_metadata

    return None, str(extract_metadata(html, result.url).get("text") or "")


def _text_observation(source: Source, url: str) -> Observation:
    """GET the page and compare its text with the archived one."""
    result = fetch(url)
    decided = _from_status(result)
    if decided is not None:
        return replace(decided, method="GET", http_status=result.status)
    early, text = _page_text(result)
    if early is not None:
        return replace(early, method="GET", http_status=result.status)
    seen = normalized_sha256(text)
    base = Observation(CheckOutcome.ALIVE, "", "GET", result.status, text_sha256=seen)
    old = archived_text(source)
    if old is None:
        return replace(base, reason="online; no archived text to compare with")
    found = compare(old, text)
    if not found.changed:
        return replace(base, reason="online; the text is unchanged")
    return replace(
        base,
        outcome=CheckOutcome.CHANGED,
        reason=f"the text changed: {found.added} words added, {found.removed} removed",
        words_added=found.added,
        words_removed=found.removed,
    )


def _file_observation(source: Source, result: FetchResult) -> Observation:
    """Not a page: the size and validators against those of the latest capture."""
    capture = latest_capture(source)
    before = capture.response_headers if capture is not None else {}
    now_seen = {"etag": result.etag or "", "content-length": result.header("content-length") or ""}
    differs = [k for k, v in now_seen.items() if v and before.get(k) and before.get(k) != v]
    if differs:
        return Observation(CheckOutcome.CHANGED, f"the file changed ({', '.join(differs)})")
    return Observation(CheckOutcome.ALIVE, "online; the file looks unchanged")


def observe(source: Source) -> Observation:
    """One check of a source over the network (no database writes)."""
    etag, last_modified = _validators(source)
    started = time.monotonic()
    try:
        observation = _observe(source, etag, last_modified)
    except FetchError as exc:
        observation = _from_error(exc)
    return replace(observation, elapsed_ms=int((time.monotonic() - started) * 1000))


def _observe(source: Source, etag: str, last_modified: str) -> Observation:
    url = source.normalized_url
    head = fetch_conditional(url, etag or None, last_modified or None)
    seen: dict[str, Any] = {
        "method": head.request.method,
        "http_status": head.status,
        "final_url": head.url[:2000],
        "etag": (head.etag or "")[:300],
        "last_modified": (head.last_modified or "")[:100],
    }
    if head.status == 304:
        return Observation(CheckOutcome.ALIVE, "online; not modified (304)", **seen)
    decided = _from_status(head)
    if decided is not None:
        return replace(decided, **seen)
    if head.redirects and checks.is_soft_404(url, head.url):
        return Observation(CheckOutcome.GONE, f"redirected to the home page {head.url}", **seen)
    if head.redirects and checks.is_moved(url, head.url):
        return Observation(CheckOutcome.MOVED, f"redirected to {head.url}"[:500], **seen)
    if (etag and head.etag == etag) or (last_modified and head.last_modified == last_modified):
        return Observation(CheckOutcome.ALIVE, "online; same validators as before", **seen)
    if checks.media_type(head.header("content-type")) in checks.TEXT_TYPES:
        found = _text_observation(source, head.url)
        return replace(found, **{**seen, "method": found.method, "http_status": found.http_status})
    return replace(_file_observation(source, head), **seen)


# --------------------------------------------------------------------------
# Recording (lock, write)
# --------------------------------------------------------------------------


def _reference(source: Source) -> datetime:
    return source.last_changed_at or source.created_at


def _strike(source: Source, now: datetime) -> bool:
    """Count a gone check if the last counted one is a day old or more."""
    if source.failed_checks:
        last = source.link_checks.filter(strike=True).first()
        if last is not None and now - last.checked_at < checks.STRIKE_GAP:
            return False
    source.failed_checks += 1
    return True


def _first_strike_at(source: Source, now: datetime) -> datetime:
    """When this run of strikes began: the earliest of the latest ``failed_checks`` strikes."""
    earlier = list(
        source.link_checks.filter(strike=True).values_list("checked_at", flat=True)[
            : max(source.failed_checks - 1, 0)
        ]
    )
    return min([now, *earlier])


def _went_gone(source: Source, now: datetime) -> tuple[bool, datetime]:
    strike = _strike(source, now)
    if source.failed_checks >= checks.STRIKES_TO_GONE and source.online_status != OnlineStatus.GONE:
        source.online_status = OnlineStatus.GONE
        source.gone_since = _first_strike_at(source, now)
    return strike, now + checks.AFTER_FAILURE


def _is_new_text(source: Source, seen: Observation) -> bool:
    """False when the previous check already reported this same changed text."""
    previous = source.link_checks.first()
    return not (
        previous is not None
        and previous.outcome == CheckOutcome.CHANGED
        and previous.text_sha256 == seen.text_sha256
    )


def _recapture(source: Source) -> Capture | None:
    if source.captures.filter(status__in=ACTIVE_STATUSES).exists():
        return None
    return request_capture(source=source, origin=CaptureOrigin.MONITOR)


def _apply(source: Source, seen: Observation, now: datetime) -> tuple[bool, Capture | None]:
    """Change the source after a check; returns (counted as a strike, capture requested)."""
    strike, capture = False, None
    if seen.outcome == CheckOutcome.GONE:
        strike, source.next_check_at = _went_gone(source, now)
        return strike, None
    if seen.outcome in (CheckOutcome.BLOCKED, CheckOutcome.ERROR):
        if seen.outcome == CheckOutcome.BLOCKED and source.online_status != OnlineStatus.GONE:
            source.online_status = OnlineStatus.BLOCKED
        source.next_check_at = now + checks.AFTER_FAILURE
        return False, None
    source.failed_checks, source.gone_since = 0, None
    source.online_status = seen.outcome
    if seen.outcome == CheckOutcome.CHANGED:
        if _is_new_text(source, seen):
            source.last_changed_at = now
        capture = _recapture(source)
    source.next_check_at = checks.next_check(reference=_reference(source), now=now)
    return strike, capture


STATUS_FIELDS = ("online_status", "failed_checks", "gone_since", "last_changed_at")


@transaction.atomic
def record_check(*, source_id: int, seen: Observation, now: datetime) -> LinkCheck:
    """Apply an observation to its source under a row lock and keep it as a ``LinkCheck``."""
    source = Source.objects.select_for_update().get(pk=source_id)
    before = {name: getattr(source, name) for name in STATUS_FIELDS}
    strike, capture = _apply(source, seen, now)
    source.last_checked_at = now
    changed = [name for name in STATUS_FIELDS if getattr(source, name) != before[name]]
    if changed:
        source._change_reason = f"link check: {seen.outcome}"  # type: ignore[attr-defined]
        source.save(update_fields=[*changed, "last_checked_at", "next_check_at", "updated_at"])
    else:  # schedule only: no history row, no cache purge
        Source.objects.filter(pk=source.pk).update(
            last_checked_at=now, next_check_at=source.next_check_at
        )
    fields: dict[str, Any] = {k: v for k, v in seen.__dict__.items() if v is not None}
    return LinkCheck.objects.create(
        source=source, checked_at=now, strike=strike, capture=capture, **fields
    )


def check_source(*, source: Source, now: datetime | None = None) -> LinkCheck:
    """Check one source now (or at ``now``, for tests) and record what was found."""
    seen = observe(source)
    return record_check(source_id=source.pk, seen=seen, now=now or timezone.now())


# --------------------------------------------------------------------------
# The schedule
# --------------------------------------------------------------------------


def due_sources(now: datetime, limit: int) -> list[int]:
    """Ids of archived sources due for a check, oldest due first."""
    archived = Capture.objects.filter(status__in=WITH_FILES).values("source_id")
    due = Source.objects.due_for_check(now).filter(pk__in=archived)
    return list(due.order_by("next_check_at", "id").values_list("pk", flat=True)[:limit])


def take_for_check(source_id: int, now: datetime) -> bool:
    """Lease a due source to one check run (a conditional update; False if taken)."""
    source = Source.objects.filter(pk=source_id).only("normalized_url", "next_check_at").first()
    if source is None:
        return False
    if checks.is_reserved_host(source.normalized_url):
        # Reserved names never resolve (the demo's sources): no check, no strike.
        Source.objects.filter(pk=source_id).update(next_check_at=now + timedelta(days=90))
        return False
    lease = now + CHECK_LEASE
    return bool(
        Source.objects.filter(pk=source_id, next_check_at=source.next_check_at).update(
            next_check_at=lease
        )
    )


def check_due_sources(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Lease the due sources and return their ids (the task sends one check each)."""
    now = now or timezone.now()
    limit = limit or int(settings.MONITOR_BATCH)
    return [pk for pk in due_sources(now, limit) if take_for_check(pk, now)]
