"""Reads for the pages and the API: a fixed number of queries whatever the size.

The developer's gap table (models × sections) takes four queries after the
developer: its models (with their EU-market row), their disclosures, those
disclosures' sections, and the gap entries with their claims.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Exists, F, QuerySet, Value
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from app.catalog.access import ANONYMOUS
from app.catalog.choices import EntityKind
from app.catalog.models import Claim, Entity
from app.disclosures import access
from app.disclosures.models import (
    Case,
    Disclosure,
    DisclosureKind,
    DisclosureSection,
    GapEntry,
    GapState,
    MarketPresence,
)
from app.disclosures.sections import SECTIONS, Section
from app.lib.prepared import PreparedQuery

# Worst first: a cell shows the strongest disagreement any claim found.
RANK: dict[str, int] = {GapState.CONTRADICTS: 3, GapState.SILENT: 2, GapState.DECLARES: 1}
NO_SUMMARY = "no_summary"
NOT_STATED = "not_stated"
DECLARED = "declared"
NO_DISCLOSURE = "no_disclosure"
DISCLOSURE_LABELS: dict[str, Promise] = {
    DECLARED: _("stated in the disclosure"),
    NOT_STATED: _("not stated in the disclosure"),
    NO_SUMMARY: _("no summary found"),
    NO_DISCLOSURE: _("no disclosure recorded"),
}


@dataclass
class Cell:
    section: Section
    disclosure: str  # one of DISCLOSURE_LABELS
    entries: list[GapEntry] = field(default_factory=list)

    @property
    def state(self) -> str:
        """The worst judgement of the claims in this cell, "" when none."""
        if not self.entries:
            return ""
        return max((e.gap_state for e in self.entries), key=lambda s: RANK.get(s, 0))

    @property
    def disclosure_label(self) -> Promise:
        return DISCLOSURE_LABELS[self.disclosure]


@dataclass
class Row:
    model: Entity
    on_eu_market: bool
    summary: Disclosure | None
    cells: list[Cell]

    @property
    def no_summary(self) -> bool:
        return self.on_eu_market and self.summary is None


@dataclass
class GapTable:
    developer: Entity
    sections: tuple[Section, ...]
    rows: list[Row]
    claims: int


def _current(disclosures: list[Disclosure]) -> Disclosure | None:
    """The model's current EU summary, else its latest other current declaration."""
    current = [d for d in disclosures if getattr(d, "successor_id", None) is None]
    for kind in (DisclosureKind.EU_SUMMARY, None):
        found = [d for d in current if kind is None or d.kind == kind]
        if found:
            return max(found, key=lambda d: (d.published_on or d.created_at.date(), d.pk))
    return None


def developer_gap(user: Any, developer: Entity) -> GapTable:
    models = list(
        Entity.objects.filter(developer=developer, kind=EntityKind.MODEL)
        .select_related("eu_market")
        .order_by("name")
    )
    ids = [m.pk for m in models]
    disclosures = list(
        access.visible_disclosures(user)
        .filter(model_id__in=ids)
        .annotate(successor_id=F("superseded_by__id"))
        .order_by("pk")
    )
    by_model: dict[int, list[Disclosure]] = defaultdict(list)
    for d in disclosures:
        by_model[d.model_id].append(d)
    current = {mid: _current(items) for mid, items in by_model.items()}
    filled: set[tuple[int, str]] = set()
    wanted = [d.pk for d in current.values() if d is not None]
    for did, code, text, data in DisclosureSection.objects.filter(
        disclosure_id__in=wanted
    ).values_list("disclosure_id", "code", "text", "data"):
        if text.strip() or any((data or {}).values()):
            filled.add((did, code))
    cells: dict[tuple[int, str], list[GapEntry]] = defaultdict(list)
    claims: set[int] = set()
    entries = (
        access.visible_gap(user)
        .filter(model_id__in=ids)
        .select_related("claim")
        .only(
            "model_id",
            "section",
            "gap_state",
            "note",
            "state",
            "claim__slug",
            "claim__statement",
            "claim__state",
        )
        .order_by("claim__statement", "pk")
    )
    for entry in entries:
        cells[(entry.model_id, entry.section)].append(entry)
        claims.add(entry.claim_id)
    rows = []
    for model in models:
        on_market = _on_market(model)
        disclosure = current.get(model.pk)
        summary = (
            disclosure if disclosure and disclosure.kind == DisclosureKind.EU_SUMMARY else None
        )
        row_cells = []
        for section in SECTIONS:
            if disclosure is None:
                said = NO_SUMMARY if on_market else NO_DISCLOSURE
            else:
                said = DECLARED if (disclosure.pk, section.code) in filled else NOT_STATED
            row_cells.append(Cell(section, said, cells.get((model.pk, section.code), [])))
        rows.append(Row(model, on_market, summary, row_cells))
    return GapTable(developer, SECTIONS, rows, len(claims))


def _on_market(model: Entity) -> bool:
    try:
        return model.eu_market is not None
    except MarketPresence.DoesNotExist:
        return False


# --- Fragments on the catalog's pages (one query each) ----------------------------


@dataclass
class GapLine:
    """One gap entry on a claim page (``name`` is the model's) or a model page (the claim's)."""

    name: str
    slug: str
    section: str
    state: str
    note: str

    @property
    def state_label(self) -> str:
        return str(GapState(self.state).label) if self.state in GapState.values else self.state


@dataclass
class DisclosureLine:
    pk: int
    title: str
    version_label: str
    kind: str
    superseded: bool


@dataclass
class Fragment:
    lines: list[GapLine] = field(default_factory=list)
    no_summary: list[tuple[str, str]] = field(default_factory=list)  # (model name, slug)
    cases: list[tuple[str, str, str]] = field(default_factory=list)  # (slug, title, status)
    disclosures: list[DisclosureLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.lines or self.no_summary or self.cases or self.disclosures)


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def _as_text(name: str) -> Cast:
    return Cast(name, output_field=CharField())


def _missing(user: Any, **where: Any) -> QuerySet[Any]:
    """Models on the EU market (among ``where``) with no readable EU summary."""
    summaries = access.visible_disclosures(user).filter(kind=DisclosureKind.EU_SUMMARY)
    return (
        MarketPresence.objects.filter(**where)
        .exclude(model_id__in=summaries.values("model_id"))
        .order_by()
        .values_list(
            _text("missing"), "model__name", "model__slug", _text(""), _text(""), _text("")
        )
    )


def _claim_union(user: Any, claim: Any) -> QuerySet[Any]:
    gap = (
        access.visible_gap(user)
        .filter(claim=claim)
        .order_by()
        .values_list(_text("gap"), "model__name", "model__slug", "section", "gap_state", "note")
    )
    missing = _missing(user, model__claims_as_model=claim)
    cases = (
        access.visible_cases(user)
        .filter(claims=claim)
        .order_by()
        .values_list(_text("case"), "title", "slug", _text(""), "status", _text(""))
    )
    return gap.union(missing, cases, all=True)


# The reader's claim page asks as the anonymous reader on every uncached render:
# its SQL is compiled once (app/lib/prepared.py), like the page's own queries.
_PUBLIC_CLAIM_UNION = PreparedQuery(lambda claim_id: _claim_union(ANONYMOUS, claim_id), 0)


def public_claim_fragment_exists(claim: Any) -> Exists:
    """Whether ``claim_fragment`` for every reader is not empty, as an expression
    (``claim`` an ``OuterRef``): a claim page's own query asks it (app.public.queries)."""
    return Exists(_claim_union(ANONYMOUS, claim))


def claim_fragment(user: Any, claim: Claim) -> Fragment:
    """The gap entries, the models on the EU market with no summary and the cases of
    a claim, in one query (a UNION of three)."""
    if not user.is_authenticated:
        return _fragment(_PUBLIC_CLAIM_UNION(claim.pk))
    return _fragment(_claim_union(user, claim))


def model_fragment(user: Any, model: Entity) -> Fragment:
    """A model's disclosures, gap entries, missing summary and cases, in one query."""
    gap = (
        access.visible_gap(user)
        .filter(model=model)
        .order_by()
        .values_list(
            _text("gap"), "claim__statement", "claim__slug", "section", "gap_state", "note"
        )
    )
    missing = _missing(user, model=model)
    cases = (
        access.visible_cases(user)
        .filter(models_concerned=model)
        .order_by()
        .values_list(_text("case"), "title", "slug", _text(""), "status", _text(""))
    )
    disclosures = (
        access.visible_disclosures(user)
        .filter(model=model)
        .order_by()
        .values_list(
            _text("disclosure"),
            "title",
            _as_text("id"),
            "version_label",
            "kind",
            _as_text("superseded_by__id"),
        )
    )
    return _fragment(gap.union(missing, cases, disclosures, all=True))


def _fragment(rows: Any) -> Fragment:
    out = Fragment()
    for kind, a, b, c, d, e in rows:
        if kind == "gap":
            out.lines.append(GapLine(a, b, c, d, e))
        elif kind == "missing":
            out.no_summary.append((a, b))
        elif kind == "case":
            out.cases.append((b, a, d))
        else:
            out.disclosures.append(DisclosureLine(int(b), a, c, d, bool(e)))
    order = {s.code: i for i, s in enumerate(SECTIONS)}
    out.lines.sort(key=lambda line: (line.name, order.get(line.section, 99)))
    out.cases.sort(key=lambda case: case[1])
    out.disclosures.sort(key=lambda item: (item.superseded, -item.pk))
    return out


def case_list(user: Any, *, status: str = "", model: str = "", party: str = "") -> QuerySet[Case]:
    cases = access.visible_cases(user).order_by("-filed_on", "title")
    if status:
        cases = cases.filter(status=status)
    if model:
        cases = cases.filter(models_concerned__slug=model)
    if party:
        cases = cases.filter(parties__entity__slug=party)
    return cases.distinct()
