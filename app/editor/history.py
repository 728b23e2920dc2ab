"""Change history of claims and evidence as readable entries (simple-history diffs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models

from app.catalog.models import Claim, Entity
from app.catalog.services import RESTORABLE
from app.lib.timecodes import format_timecode

LIMIT = 50
IGNORED = {"updated_at", "created_at"}
M2M: dict[type[models.Model], tuple[str, ...]] = {Claim: ("models_named", "content_named")}
TIME_FIELDS = {"time_start", "time_end"}
KINDS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class Change:
    field: str
    label: str
    old: str
    new: str
    old_record_id: int | None  # the version holding the old value, for restoring it
    restorable: bool


@dataclass
class Entry:
    record: Any
    user: Any
    date: datetime
    kind: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _show(model_field: models.Field[Any, Any] | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field is not None and model_field.name in TIME_FIELDS:
        return format_timecode(Decimal(value))
    return str(value)


def _m2m_names(record: Any, name: str, names: dict[int, str]) -> set[str]:
    rows = getattr(record, f"historical{record.instance_type._meta.model_name}_{name}_set").all()
    return {names.get(row.entity_id, f"#{row.entity_id}") for row in rows}


def history_entries(obj: models.Model) -> list[Entry]:
    """Newest first, each with the fields it changed (before → after)."""
    model = type(obj)
    m2m = M2M.get(model, ())
    meta = model._meta
    history = obj.history.select_related("history_user")  # type: ignore[attr-defined]
    if m2m:
        history = history.prefetch_related(*(f"historical{meta.model_name}_{n}_set" for n in m2m))
    records = list(history.order_by("-history_date", "-history_id")[: LIMIT + 1])
    names: dict[int, str] = {}
    if m2m:
        ids = {r.entity_id for rec in records for n in m2m for r in _rows(rec, meta, n)}
        names = dict(Entity.objects.filter(pk__in=ids).values_list("pk", "name"))
    restorable = set(RESTORABLE.get(model, ()))
    entries = []
    for index, record in enumerate(records[:LIMIT]):
        old = records[index + 1] if index + 1 < len(records) else None
        entry = Entry(
            record, record.history_user, record.history_date, KINDS.get(record.history_type, "?"),
            record.history_change_reason or "",
        )  # fmt: skip
        if old is not None:
            entry.changes = _changes(record, old, m2m, names, restorable)
        entries.append(entry)
    return entries


def _rows(record: Any, meta: Any, name: str) -> list[Any]:
    return list(getattr(record, f"historical{meta.model_name}_{name}_set").all())


def _changes(
    record: Any, old: Any, m2m: tuple[str, ...], names: dict[int, str], restorable: set[str]
) -> list[Change]:
    meta = record.instance_type._meta
    delta = record.diff_against(old, excluded_fields=[*m2m, *IGNORED])
    changes = [
        Change(
            c.field,
            str(meta.get_field(c.field).verbose_name),
            _show(meta.get_field(c.field), c.old),
            _show(meta.get_field(c.field), c.new),
            old.history_id,
            c.field in restorable,
        )
        for c in delta.changes
    ]
    for name in m2m:
        before, after = _m2m_names(old, name, names), _m2m_names(record, name, names)
        if before != after:
            label = str(meta.get_field(name).verbose_name)
            shown = [", ".join(sorted(v)) or "—" for v in (before, after)]
            changes.append(Change(name, label, shown[0], shown[1], old.history_id, False))
    return changes
