"""Reading the review queue: every pending item of four kinds, oldest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from app.accounts.models import User
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence
from app.moderation import conf
from app.moderation.choices import ACTIONS_BY_KIND, FlagStatus, ItemKind, SuggestionStatus
from app.moderation.models import Flag, ReviewLock, Suggestion

KIND_ORDER = {kind: n for n, kind in enumerate(ItemKind.values)}


@dataclass(frozen=True)
class QueueFilters:
    kind: str = ""
    language: str = ""
    entity: str = ""

    @classmethod
    def from_query(cls, params: Any) -> QueueFilters:
        kind = params.get("kind", "")
        return cls(
            kind=kind if kind in ItemKind.values else "",
            language=params.get("language", "").strip()[:12],
            entity=params.get("entity", "").strip()[:120],
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


@dataclass
class QueueItem:
    kind: str
    obj: Any
    lock: ReviewLock | None = None
    actions: tuple[str, ...] = field(default=())

    @property
    def pk(self) -> int:
        return int(self.obj.pk)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"

    @property
    def dom_id(self) -> str:
        return f"item-{self.kind}-{self.pk}"

    @property
    def created_at(self) -> datetime:
        created: datetime = self.obj.created_at
        return created

    @property
    def author(self) -> User | None:
        return author_of(self.kind, self.obj)

    @property
    def title(self) -> str:
        obj = self.obj
        if self.kind == ItemKind.CLAIM:
            return str(obj.statement)
        if self.kind == ItemKind.EVIDENCE:
            return str(obj.summary)
        if self.kind == ItemKind.SUGGESTION:
            return str(obj.statement or obj.summary)
        return f"{obj.get_reason_display()}: {obj.note or obj.evidence or obj.claim}"

    @property
    def language(self) -> str:
        if self.kind in (ItemKind.CLAIM, ItemKind.SUGGESTION):
            return str(self.obj.language)
        return str(self.obj.claim.language)

    @property
    def is_pending(self) -> bool:
        return is_pending(self.kind, self.obj)

    def taken_by_other(self, user: User) -> bool:
        return self.lock is not None and self.lock.taken_by_id != user.pk


def author_of(kind: str, obj: Any) -> User | None:
    """Who is told about a decision on this item."""
    attributes: dict[str, str] = {
        ItemKind.CLAIM: "created_by",
        ItemKind.EVIDENCE: "added_by",
        ItemKind.SUGGESTION: "suggested_by",
        ItemKind.FLAG: "reporter",
    }
    user: User | None = getattr(obj, attributes[kind])
    return user


MODELS: dict[str, type[models.Model]] = {
    ItemKind.CLAIM: Claim,
    ItemKind.EVIDENCE: Evidence,
    ItemKind.SUGGESTION: Suggestion,
    ItemKind.FLAG: Flag,
}
RELATED: dict[str, tuple[str, ...]] = {
    ItemKind.CLAIM: ("created_by",),
    ItemKind.EVIDENCE: ("claim", "source", "added_by"),
    ItemKind.SUGGESTION: ("claim", "source", "suggested_by"),
    ItemKind.FLAG: ("claim", "evidence", "reporter"),
}


def _entity_q(prefix: str, slug: str) -> Q:
    return Q(**{f"{prefix}models_named__slug": slug}) | Q(**{f"{prefix}content_named__slug": slug})


def pending(kind: str, filters: QueueFilters | None = None) -> models.QuerySet[Any]:
    """The pending rows of one kind, filtered, oldest first, ready to render."""
    filters = filters or QueueFilters()
    qs: models.QuerySet[Any]
    if kind == ItemKind.CLAIM:
        qs = Claim.objects.filter(state=PublicationState.PENDING)
        language, prefix = "language", ""
    elif kind == ItemKind.EVIDENCE:
        qs = Evidence.objects.filter(state=PublicationState.PENDING)
        language, prefix = "claim__language", "claim__"
    elif kind == ItemKind.SUGGESTION:
        qs = Suggestion.objects.filter(status=SuggestionStatus.PENDING)
        language, prefix = "language", "claim__"
    elif kind == ItemKind.FLAG:
        qs = Flag.objects.filter(status=FlagStatus.OPEN)
        language, prefix = "claim__language", "claim__"
    else:
        raise ValueError(f"Unknown queue kind {kind!r}.")
    qs = qs.select_related(*RELATED[kind])
    if filters.language:
        qs = qs.filter(**{language: filters.language})
    if filters.entity:
        # A subquery, not a join: no duplicate rows and no DISTINCT needed.
        matching = Claim.objects.filter(_entity_q("", filters.entity)).values("pk")
        qs = qs.filter(**{"claim__in" if prefix else "pk__in": matching})
    return qs.order_by("created_at", "id")


def active_locks(items: list[QueueItem]) -> dict[str, ReviewLock]:
    if not items:
        return {}
    since = timezone.now() - conf.lock_ttl()
    wanted = Q()
    for kind in {item.kind for item in items}:
        wanted |= Q(item_kind=kind, item_id__in=[i.pk for i in items if i.kind == kind])
    locks = ReviewLock.objects.filter(wanted, taken_at__gt=since).select_related("taken_by")
    return {f"{lock.item_kind}:{lock.item_id}": lock for lock in locks}


@dataclass
class QueuePage:
    items: list[QueueItem]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def labelled_counts(self) -> list[tuple[str, int]]:
        return [(str(ItemKind(kind).label), n) for kind, n in self.counts.items()]


def queue_page(filters: QueueFilters, *, limit: int | None = None) -> QueuePage:
    """The oldest pending items across kinds, with who has taken each. Constant queries."""
    limit = limit or conf.number("MODERATION_QUEUE_PAGE")
    kinds = [filters.kind] if filters.kind else list(ItemKind.values)
    items: list[QueueItem] = []
    counts: dict[str, int] = {}
    for kind in kinds:
        qs = pending(kind, filters)
        counts[kind] = qs.count()
        items += [QueueItem(kind, obj, actions=ACTIONS_BY_KIND[kind]) for obj in qs[:limit]]
    items.sort(key=lambda i: (i.created_at, KIND_ORDER[i.kind], i.pk))
    items = items[:limit]
    locks = active_locks(items)
    for item in items:
        item.lock = locks.get(item.key)
    return QueuePage(items, counts)


def next_item(filters: QueueFilters, *, user: User, skip: str = "") -> QueueItem | None:
    """The oldest pending item nobody else has taken, to load after a decision."""
    for item in queue_page(filters, limit=20).items:
        if item.key != skip and not item.taken_by_other(user):
            return item
    return None


def load_item(kind: str, pk: int) -> QueueItem | None:
    """One item of any state (a decided item shows as decided), with its lock."""
    if kind not in MODELS:
        return None
    manager = MODELS[kind]._default_manager
    obj = manager.select_related(*RELATED[kind]).filter(pk=pk).first()
    if obj is None:
        return None
    item = QueueItem(kind, obj, actions=ACTIONS_BY_KIND[kind])
    item.lock = active_locks([item]).get(item.key)
    return item


def is_pending(kind: str, obj: Any) -> bool:
    if kind in (ItemKind.CLAIM, ItemKind.EVIDENCE):
        return bool(obj.state == PublicationState.PENDING)
    if kind == ItemKind.SUGGESTION:
        return bool(obj.status == SuggestionStatus.PENDING)
    return bool(obj.status == FlagStatus.OPEN)


def items_for_keys(keys: list[str]) -> list[QueueItem]:
    """The items named by "kind:pk" keys, in the order given (one query per kind);
    unknown keys are left out. Decided items are included: the caller says so."""
    wanted: dict[str, list[int]] = {}
    for key in keys:
        kind, _sep, raw = key.partition(":")
        if kind in MODELS and raw.isdigit():
            wanted.setdefault(kind, []).append(int(raw))
    found: dict[str, QueueItem] = {}
    for kind, pks in wanted.items():
        rows = MODELS[kind]._default_manager.select_related(*RELATED[kind]).filter(pk__in=pks)
        for obj in rows:
            item = QueueItem(kind, obj, actions=ACTIONS_BY_KIND[kind])
            found[item.key] = item
    return [found[key] for key in dict.fromkeys(keys) if key in found]
