"""The numbers behind the dashboards: one aggregate query per chart, no rows loaded.

The overview counts only what every reader may see, through the trust core's
public rule (``public_claims``; ``public_evidence`` and ``public_sources`` as
applied at each write to the tables of ``app.public.totals``); its numbers are
plain data memoized under the public content version
(``app.public.cache.versioned``), so a publication, a capture or a link check
invalidates them like a page. Labels are added per request (``views``), in
the reader's language.

The newsroom's numbers are read fresh on every request: they include the
queue's suggestions and flags, whose changes do not bump the public version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from app.archive.models import WITH_FILES, Capture, CaptureStatus
from app.catalog import access
from app.catalog.choices import DeveloperResponse, OnlineStatus
from app.catalog.models import Claim, Evidence, Source
from app.moderation import conf
from app.moderation.choices import ItemKind
from app.moderation.queue import pending
from app.public import totals
from app.public.cache import versioned

TOP = 10  # developers and models shown
MONTHS = 24  # a longer span is shown by year
DAYS = 30  # the newsroom's capture window
LISTED = 20  # rows of the newsroom's lists

# --- The public overview ---------------------------------------------------------------


def _counts(rows: QuerySet[Any], key: str) -> dict[str, int]:
    return {str(row[key]): int(row["n"]) for row in rows}


def _month(value: datetime | date | None) -> str:
    return f"{value.year:04d}-{value.month:02d}" if value else ""


def _tally(qs: QuerySet[Any], *dimensions: str) -> dict[str, dict[str, int]]:
    """One grouped pass over ``qs`` by every dimension and the publication month at once,
    summed per dimension: one scan of the table instead of one per chart."""
    rows = (
        qs.annotate(month=TruncMonth("published_at"))
        .values(*dimensions, "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals: dict[str, dict[str, int]] = {name: {} for name in (*dimensions, "month")}
    for row in rows:
        for name, counts in totals.items():
            key = _month(row[name]) if name == "month" else str(row[name])
            counts[key] = counts.get(key, 0) + int(row["n"])
    return totals


def _top(qs: QuerySet[Claim], prefix: str) -> list[dict[str, Any]]:
    """The most named entities through ``prefix`` (a claim counts once per entity)."""
    rows = (
        qs.filter(**{f"{prefix}__isnull": False})
        .values(entity_slug=F(f"{prefix}__slug"), entity_name=F(f"{prefix}__name"))
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "entity_name")[:TOP]
    )
    return [{"slug": r["entity_slug"], "name": r["entity_name"], "n": int(r["n"])} for r in rows]


def _archive(sources: QuerySet[Source]) -> dict[str, Any]:
    """Public sources by the state of their original, how many have an archived copy, and
    their captures by outcome: one pass, so the public-source rule is evaluated once."""
    captures = {
        status: Count("captures", filter=Q(captures__status=status))
        for status in CaptureStatus.values
    }
    rows: QuerySet[Any] = (
        sources.values("online_status")
        .annotate(
            n=Count("pk", distinct=True),
            archived=Count("pk", distinct=True, filter=Q(captures__status__in=WITH_FILES)),
            **captures,
        )
        .order_by()
    )
    online: dict[str, int] = {}
    by_status = dict.fromkeys(CaptureStatus.values, 0)
    archived = 0
    for row in rows:
        online[row["online_status"]] = int(row["n"])
        archived += int(row["archived"])
        for status in by_status:
            by_status[status] += int(row[status])
    return {"online": online, "archived_sources": archived, "captures": by_status}


def _compute_overview() -> dict[str, Any]:
    claims = access.public_claims()
    claim_counts = _tally(claims, "verdict")
    # Public evidence and public sources as kept at each write (app.public.totals): the
    # catalog's rules, without a pass over every evidence item or source.
    evidence = totals.evidence_numbers()
    return {
        "verdicts": claim_counts["verdict"],
        "developers": _top(claims, "models_named__developer"),
        "models": _top(claims, "models_named"),
        "claims_by_month": claim_counts["month"],
        "evidence_by_month": {_month(k): n for k, n in evidence["month"].items()},
        "stances": {str(k): n for k, n in evidence["stance"].items()},
        "kinds": {str(k): n for k, n in evidence["kind"].items()},
        **_archive(Source.objects.filter(pk__in=totals.public_source_ids())),
        "today": _month(timezone.localdate()),
    }


def overview_numbers() -> dict[str, Any]:
    """The overview's numbers, memoized under the public content version (5 queries)."""
    return versioned("dashboards-overview", _compute_overview)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` ("YYYY-MM")."""
    year, month = (int(part) for part in first.split("-"))
    end = tuple(int(part) for part in last.split("-"))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- The newsroom ----------------------------------------------------------------------

AGE_BUCKETS: list[tuple[str, int, int | None]] = [
    # key, from (days, included), to (days, excluded; None: no end)
    ("day", 0, 1),
    ("week", 1, 7),
    ("month", 7, 30),
    ("older", 30, None),
]


def queue_by_age(now: datetime) -> dict[str, dict[str, int]]:
    """Pending items of each kind counted by age (one query per kind, as the queue reads them)."""
    result: dict[str, dict[str, int]] = {}
    for kind in ItemKind.values:
        buckets = {}
        for key, start, end in AGE_BUCKETS:
            window = Q(created_at__lte=now - timedelta(days=start))
            if end is not None:
                window &= Q(created_at__gt=now - timedelta(days=end))
            buckets[key] = Count("pk", filter=window)
        result[kind] = pending(kind).order_by().aggregate(**buckets)
    return result


@dataclass(frozen=True)
class CaptureDay:
    day: date
    status: str
    error_class: str
    n: int


def captures_by_day(now: datetime, days: int = DAYS) -> list[CaptureDay]:
    """Captures started in the last ``days`` days, by day, outcome and failure class."""
    since = now - timedelta(days=days)
    rows = (
        Capture.objects.filter(created_at__gt=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status", "error_class")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [CaptureDay(r["day"], r["status"], r["error_class"], int(r["n"])) for r in rows]


def sources_changed_since_cited(user: Any) -> tuple[list[Source], int]:
    """Sources the user may see whose original is gone, or changed after it was first cited.

    "Changed after it was first cited" is the claim page's rule (a change later than an
    evidence item citing it) as an aggregate: only sources with a recorded change or gone
    are joined to their evidence, so neither query reads the whole evidence table (a
    correlated EXISTS was costed so high that PostgreSQL spent a second compiling it).
    """
    gone = Q(online_status=OnlineStatus.GONE)
    qs = (
        access.visible_sources(user)
        .filter(gone | Q(last_changed_at__isnull=False))
        .annotate(first_cited=Min("evidence__created_at"), citations=Count("evidence"))
        .filter(gone | Q(last_changed_at__gt=F("first_cited")))
    )
    newest_first = (
        F("gone_since").desc(nulls_last=True),
        F("last_changed_at").desc(nulls_last=True),
    )
    listed: list[Source] = list(qs.order_by(*newest_first)[:LISTED])
    return listed, qs.count()


def reply_deadlines(user: Any) -> list[Claim]:
    """Claims whose developer was contacted and has not answered, nearest deadline first."""
    return list(
        access.visible_claims(user)
        .filter(
            developer_response=DeveloperResponse.CONTACTED, developer_contacted_on__isnull=False
        )
        .order_by("developer_contacted_on", "pk")[:LISTED]
    )


def reply_deadline(contacted_on: date) -> date:
    return contacted_on + timedelta(days=conf.right_of_reply_days())


def own_work(user: Any) -> dict[str, dict[str, int]]:
    """The user's claims and evidence items by publication state (two queries)."""
    claims = Claim.objects.filter(created_by=user).values("state").annotate(n=Count("pk"))
    evidence = Evidence.objects.filter(added_by=user).values("state").annotate(n=Count("pk"))
    return {
        "claims": _counts(claims.order_by(), "state"),
        "evidence": _counts(evidence.order_by(), "state"),
    }
