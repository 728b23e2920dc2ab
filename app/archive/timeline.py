"""Signal timelines: how what a page's site said about AI training changed across captures.

Each capture's consent record (``ConsentRecord``, written by the ``signals`` and
``credentials`` steps) is reduced to a few comparable facts: the robots.txt
verdicts for the AI crawlers we check, the TDM reservation, ai.txt, the
Content-Usage preferences, ``noai`` directives and the C2PA training-mining
uses of the archived files. Consecutive captures with the same facts form one
period; a new period starts where something changed ("from 2026-03-02 this
site's robots.txt also disallowed Google-Extended").

A timeline is per archived page (source), since robots.txt and tdmrep.json
rules depend on the address. Only what every reader may see is used: the
sources cited by published evidence (``catalog.access``), one query for all of
a claim's or an entity's pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from app.archive.models import ConsentRecord
from app.archive.signals_view import join_names
from app.catalog.access import public_evidence, public_sources
from app.catalog.models import Claim, Entity
from app.lib.prepared import PreparedQuery

MAX_PAGES = 8
MAX_RECORDS = 400
ENTITY_KINDS = ("work", "creator", "organization")


@dataclass
class Period:
    first: date
    last: date
    captures: int
    lines: list[str]
    facts: tuple[Any, ...] = field(default=(), repr=False)


@dataclass
class Timeline:
    source_id: int
    url: str
    host: str
    periods: list[Period] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.periods) - 1


def signal_facts(row: dict[str, Any]) -> tuple[Any, ...]:
    """What is compared between two captures (order-insensitive where order means nothing)."""
    summary = (row.get("record") or {}).get("summary") or {}
    not_allowed = sorted(
        {n for c in row.get("content_credentials") or [] for n in c.get("not_allowed") or []}
    )
    return (
        row.get("robots_status"),
        tuple(sorted(row.get("disallowed_agents") or [])),
        row.get("tdm_reserved"),
        row.get("tdm_policy") or "",
        tuple(sorted((row.get("content_usage") or {}).items())),
        summary.get("ai_txt_allows"),
        tuple(sorted(summary.get("directives") or [])),
        tuple(not_allowed),
    )


def signal_words(row: dict[str, Any]) -> list[str]:
    """The facts of one capture, in short phrases."""
    status, agents, reserved, policy, usage, ai_txt, directives, c2pa = signal_facts(row)
    ordered = [a for a in row.get("disallowed_agents") or []]  # the record's order
    if status == "found" and agents:
        lines = [_("robots.txt disallowed %(agents)s") % {"agents": join_names(ordered)}]
    elif status == "found":
        lines = [_("robots.txt allowed every AI crawler we check")]
    elif status == "missing":
        lines = [_("no robots.txt")]
    else:
        lines = [_("robots.txt could not be read")]
    if reserved is True:
        lines.append(_("TDM rights reserved") + (f" ({policy})" if policy else ""))
    elif reserved is False:
        lines.append(_("TDM rights not reserved"))
    if ai_txt is False:
        lines.append(_("ai.txt disallowed this address"))
    if usage:
        lines.append("Content-Usage: " + ", ".join(f"{k}={v}" for k, v in usage))
    if directives:
        lines.append(", ".join(directives))
    if c2pa:
        lines.append(_("C2PA: %(uses)s not allowed") % {"uses": ", ".join(c2pa)})
    return lines


ROW_FIELDS = (
    "capture__source_id",
    "capture__source__normalized_url",
    "observed_at",
    "robots_status",
    "disallowed_agents",
    "tdm_reserved",
    "tdm_policy",
    "content_usage",
    "record",
    "content_credentials",
)


def _latest(records: QuerySet[ConsentRecord]) -> QuerySet[Any]:
    return records.order_by("-observed_at").values_list(*ROW_FIELDS)[:MAX_RECORDS]


def _claim_records(claim_id: int) -> QuerySet[Any]:
    sources = public_evidence().filter(claim_id=claim_id).values("source_id")
    return _latest(ConsentRecord.objects.filter(capture__source_id__in=sources))


# The claim page's query, compiled once (app/lib/prepared.py): compiling it through the
# ORM was most of the timeline's CPU on every uncached claim page, usually for no rows.
_CLAIM_RECORDS = PreparedQuery(_claim_records, 0)


def has_claim_timelines() -> Exists:
    """Whether ``claim_timelines`` finds anything for the claim of the query this expression
    is annotated on (a claim page's own query asks it, app.public.queries)."""
    # The claim is two queries out: the evidence's subquery sits in the records'.
    return Exists(_claim_records(OuterRef(OuterRef("pk"))))  # type: ignore[arg-type]


def _timelines(records: QuerySet[ConsentRecord] | list[tuple[Any, ...]]) -> list[Timeline]:
    read = list(_latest(records)) if isinstance(records, QuerySet) else records
    rows = [dict(zip(ROW_FIELDS, row, strict=True)) for row in read]
    by_source: dict[int, Timeline] = {}
    for row in reversed(rows):  # oldest first
        source_id = row["capture__source_id"]
        url = row["capture__source__normalized_url"]
        timeline = by_source.setdefault(
            source_id, Timeline(source_id, url, (urlsplit(url).hostname or "").lower())
        )
        day = row["observed_at"].date()
        facts = signal_facts(row)
        last = timeline.periods[-1] if timeline.periods else None
        if last is not None and last.facts == facts:
            last.last, last.captures = day, last.captures + 1
            continue
        timeline.periods.append(Period(day, day, 1, signal_words(row), facts))
    found = sorted(by_source.values(), key=lambda t: t.periods[-1].last, reverse=True)
    return found[:MAX_PAGES]


def claim_timelines(claim: Claim) -> list[Timeline]:
    """The pages a claim's published evidence cites, as every reader sees them."""
    return _timelines(_CLAIM_RECORDS(claim.pk))


def entity_timelines(entity: Entity) -> list[Timeline]:
    """For a work, creator or organization: the pages cited by the published evidence of the
    published claims naming it, and its own site's archived pages (``website``)."""
    if entity.kind not in ENTITY_KINDS:
        return []
    from app.catalog.naming import public_naming

    cited = public_evidence().filter(claim__in=public_naming(entity)).values("source_id")
    records = ConsentRecord.objects.filter(capture__source_id__in=cited)
    site = urlsplit(entity.website or "")
    if site.scheme in ("http", "https") and site.hostname:
        own = public_sources().filter(
            normalized_url__startswith=f"{site.scheme}://{site.hostname.lower()}/"
        )
        records = records | ConsentRecord.objects.filter(capture__source_id__in=own.values("pk"))
    return _timelines(records)
