"""The dashboards' charts: numbers from ``queries`` with labels in the reader's language.

Built per request (cheap: no query), so one memoized set of numbers serves
every language.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from app.archive.models import CaptureStatus, ErrorClass
from app.archive.states import error_short_label
from app.catalog.choices import EvidenceKind, OnlineStatus, PublicationState, Stance, Verdict
from app.dashboards.charts import BarChart, Category, ColumnChart, Series, bar_chart, column_chart
from app.dashboards.queries import AGE_BUCKETS, MONTHS, CaptureDay, months_between
from app.moderation.choices import ItemKind

VERDICT_TONES = {
    Verdict.UNVERIFIED: "grey",
    Verdict.SUPPORTED: "green",
    Verdict.CONFIRMED: "darkgreen",
    Verdict.DISPUTED: "amber",
    Verdict.REFUTED: "red",
    Verdict.RETRACTED: "purple",
}
STANCE_TONES = {Stance.SUPPORTS: "green", Stance.CONTRADICTS: "red", Stance.CONTEXT: "grey"}
ONLINE_TONES = {
    OnlineStatus.ALIVE: "green",
    OnlineStatus.CHANGED: "amber",
    OnlineStatus.MOVED: "blue",
    OnlineStatus.GONE: "red",
    OnlineStatus.BLOCKED: "purple",
    OnlineStatus.UNKNOWN: "grey",
}
CAPTURE_TONES = {
    CaptureStatus.SUCCEEDED: "green",
    CaptureStatus.PARTIAL: "amber",
    CaptureStatus.FAILED: "red",
    CaptureStatus.QUEUED: "grey",
    CaptureStatus.RUNNING: "blue",
}
STATE_TONES = {
    PublicationState.DRAFT: "grey",
    PublicationState.PENDING: "amber",
    PublicationState.PUBLISHED: "green",
    PublicationState.REJECTED: "red",
    PublicationState.WITHDRAWN: "purple",
}


def _claims_url(**params: str) -> str:
    return reverse("public:claims") + "?" + urlencode(params)


def _month_periods(months: list[str]) -> list[tuple[str, str]]:
    periods = []
    for month in months:
        first = date(int(month[:4]), int(month[5:]), 1)
        periods.append((date_format(first, "YEAR_MONTH_FORMAT"), date_format(first, "M Y")))
    return periods


def _over_time(chart_id: str, title: str, what: str, counts: dict[str, int], today: str) -> Any:
    """By month over up to two years, by year over a longer span."""
    months = months_between(min(min(counts), today), today) if counts else [today]
    series = [Series("n", what, "blue")]
    if len(months) <= MONTHS:
        periods = _month_periods(months)
        values = [counts.get(m, 0) for m in months]
        period_label = _("Month")
    else:
        years = sorted({m[:4] for m in months})
        periods = [(year, year) for year in years]
        values = [sum(n for m, n in counts.items() if m.startswith(year)) for year in years]
        period_label = _("Year")
    description = _(
        "%(what)s published from %(first)s to %(last)s, by %(period)s: %(total)d in all."
    )
    return column_chart(
        chart_id,
        title,
        description
        % {
            "what": what,
            "first": periods[0][0],
            "last": periods[-1][0],
            "period": period_label.lower(),
            "total": sum(values),
        },
        periods,
        series,
        {"n": values},
        period_label=period_label,
        ticks_every=max(1, math.ceil(len(periods) / 5)),
    )


def _describe(title: str, categories: list[Category], unit: str) -> str:
    shown = [c for c in categories if c.value]
    if not shown:
        return _("%(title)s: none yet.") % {"title": title}
    parts = ", ".join(f"{c.label} {c.value}" for c in shown)
    return f"{title} ({unit}): {parts}."


def _bars(chart_id: str, title: str, categories: list[Category], unit: str) -> BarChart:
    return bar_chart(
        chart_id, title, _describe(title, categories, unit), categories, value_label=unit
    )


def overview_panels(numbers: dict[str, Any]) -> dict[str, Any]:
    claims_unit, evidence_unit = _("Claims"), _("Evidence items")
    verdicts = [
        Category(
            v.value,
            str(v.label),
            numbers["verdicts"].get(v.value, 0),
            _claims_url(verdict=v.value),
            VERDICT_TONES[v],
        )
        for v in Verdict
    ]
    developers = [
        Category(d["slug"], d["name"], d["n"], _claims_url(developer=d["slug"]), "blue")
        for d in numbers["developers"]
    ]
    models = [
        Category(m["slug"], m["name"], m["n"], _claims_url(model=m["slug"]), "blue")
        for m in numbers["models"]
    ]
    stances = [
        Category(s.value, str(s.label), numbers["stances"].get(s.value, 0), "", STANCE_TONES[s])
        for s in Stance
    ]
    kinds = sorted(
        (
            Category(k.value, str(k.label), n, _claims_url(kind=k.value), "blue")
            for k in EvidenceKind
            if (n := numbers["kinds"].get(k.value, 0))
        ),
        key=lambda c: (-c.value, c.label),
    )
    online = [
        Category(s.value, str(s.label), numbers["online"].get(s.value, 0), "", ONLINE_TONES[s])
        for s in OnlineStatus
    ]
    captures = [
        Category(s.value, str(s.label), numbers["captures"].get(s.value, 0), "", CAPTURE_TONES[s])
        for s in CaptureStatus
    ]
    sources_total = sum(numbers["online"].values())
    return {
        "totals": {
            "claims": sum(numbers["verdicts"].values()),
            "evidence": sum(numbers["stances"].values()),
            "sources": sources_total,
            "archived": numbers["archived_sources"],
        },
        "verdict_chart": _bars("verdicts", _("Claims by verdict"), verdicts, claims_unit),
        "developer_chart": _bars("developers", _("Claims by developer"), developers, claims_unit),
        "model_chart": _bars("models", _("Claims by AI model"), models, claims_unit),
        "claims_month_chart": _over_time(
            "claims-month",
            _("Claims published over time"),
            claims_unit,
            numbers["claims_by_month"],
            numbers["today"],
        ),
        "evidence_month_chart": _over_time(
            "evidence-month",
            _("Evidence published over time"),
            evidence_unit,
            numbers["evidence_by_month"],
            numbers["today"],
        ),
        "stance_chart": _bars("stances", _("Evidence by stance"), stances, evidence_unit),
        "kind_chart": _bars("kinds", _("Evidence by kind"), kinds, evidence_unit),
        "online_chart": _bars(
            "online", _("Cited sources: the original today"), online, _("Sources")
        ),
        "capture_chart": _bars(
            "captures", _("Captures of cited sources by outcome"), captures, _("Captures")
        ),
    }


# --- The newsroom ----------------------------------------------------------------------

KIND_SERIES = [
    (ItemKind.CLAIM, "blue"),
    (ItemKind.EVIDENCE, "green"),
    (ItemKind.SUGGESTION, "amber"),
    (ItemKind.FLAG, "red"),
]
OUTCOME_SERIES = [
    ("succeeded", CaptureStatus.SUCCEEDED.label, "green"),
    ("partial", CaptureStatus.PARTIAL.label, "amber"),
    ("failed", CaptureStatus.FAILED.label, "red"),
    ("waiting", None, "grey"),
]


def _age_labels() -> dict[str, tuple[str, str]]:
    """Each age group: its name in the table, and a short one under the axis."""
    return {
        "day": (_("Under a day"), _("< 1 day")),
        "week": (_("1 to 7 days"), _("1–7 days")),
        "month": (_("7 to 30 days"), _("7–30 days")),
        "older": (_("Over 30 days"), _("> 30 days")),
    }


def queue_chart(queue: dict[str, dict[str, int]]) -> ColumnChart:
    labels = _age_labels()
    periods = [labels[key] for key, _start, _end in AGE_BUCKETS]
    series = [Series(kind.value, str(kind.label), tone) for kind, tone in KIND_SERIES]
    values = {s.key: [queue[s.key][key] for key, _s, _e in AGE_BUCKETS] for s in series}
    total = sum(sum(v) for v in values.values())
    in_bucket = [sum(values[s.key][i] for s in series) for i in range(len(periods))]
    oldest = next((periods[i][0] for i in reversed(range(len(periods))) if in_bucket[i]), "")
    description = (
        _("%(total)d items wait for review; the oldest group: %(oldest)s.")
        % {"total": total, "oldest": oldest}
        if total
        else _("Nothing waits for review.")
    )
    return column_chart(
        "queue",
        _("Review queue by age"),
        description,
        periods,
        series,
        values,
        period_label=_("Waiting for"),
    )


def capture_panels(days: list[CaptureDay], today: date, span: int) -> dict[str, Any]:
    dates = [today - timedelta(days=span - 1 - i) for i in range(span)]
    index = {d: i for i, d in enumerate(dates)}
    keys = [key for key, _label, _tone in OUTCOME_SERIES]
    values: dict[str, list[int]] = {key: [0] * span for key in keys}
    failures: dict[str, int] = {}
    for row in days:
        if row.day not in index:
            continue
        key = row.status if row.status in keys else "waiting"
        values[key][index[row.day]] += row.n
        if row.status == CaptureStatus.FAILED:
            failures[row.error_class] = failures.get(row.error_class, 0) + row.n
    series = [
        Series(key, str(label) if label else _("Queued or running"), tone)
        for key, label, tone in OUTCOME_SERIES
    ]
    totals = {s.key: sum(values[s.key]) for s in series}
    description = _("Captures started in the last %(days)d days, by day: %(parts)s.") % {
        "days": span,
        "parts": ", ".join(f"{s.label} {totals[s.key]}" for s in series),
    }
    outcomes = column_chart(
        "capture-days",
        _("Capture outcomes, last %(days)d days") % {"days": span},
        description,
        [(date_format(d, "DATE_FORMAT"), date_format(d, "j M")) for d in dates],
        series,
        values,
        period_label=_("Day"),
        ticks_every=7,
    )
    classes = sorted(
        (
            Category(
                key or "unknown",
                error_short_label(key) if key in ErrorClass.values and key else _("Unknown"),
                n,
                "",
                "red",
            )
            for key, n in failures.items()
        ),
        key=lambda c: (-c.value, c.label),
    )
    failure_chart = _bars(
        "failure-classes",
        _("Failed captures by cause, last %(days)d days") % {"days": span},
        classes,
        _("Captures"),
    )
    return {"outcome_chart": outcomes, "failure_chart": failure_chart}


def own_work_panels(own: dict[str, dict[str, int]]) -> dict[str, Any]:
    charts = {}
    for key, title, unit in (
        ("claims", _("My claims by state"), _("Claims")),
        ("evidence", _("My evidence by state"), _("Evidence items")),
    ):
        categories = [
            Category(s.value, str(s.label), own[key].get(s.value, 0), "", STATE_TONES[s])
            for s in PublicationState
        ]
        charts[f"own_{key}_chart"] = _bars(f"own-{key}", title, categories, unit)
    return charts


def newsroom_panels(
    *,
    queue: dict[str, dict[str, int]],
    captures: list[CaptureDay],
    own: dict[str, dict[str, int]],
    today: date,
    span: int = 30,
) -> dict[str, Any]:
    return {
        "queue_chart": queue_chart(queue),
        **capture_panels(captures, today, span),
        **own_work_panels(own),
    }
