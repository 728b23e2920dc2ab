"""The ledger-wide numbers' building blocks, kept in the writing transaction.

The home page's totals, the claim list's facets and the overview count public
evidence (a million rows on the bench ledger) and public sources (a rule tested
on every source). Counting them from scratch took seconds, so their memos
(`app.public.cache.versioned`) were recomputed at most every 10x that and lagged
the last commit by up to ~15 s. Two tables hold what those counts need instead:

- `EvidenceTally`: per public claim, how many public evidence items share a
  stance, a kind and a publication month (~12 rows a claim);
- `PublicSource`: one row per public source.

Both are recomputed from scratch (never by increments: nothing can drift) for
the claims and sources a save touches, in the same transaction, with the
catalog's own rules (`public_evidence`, `public_sources`): a claim's save (its
publication, withdrawal, verdict), an evidence item's save or deletion (its
claim and its sources, before and after), and a save of another app's record
that cites sources (`refresh_sources`, app.disclosures.signals). Each refresh
first locks the claims' or sources' rows (``SELECT ... FOR UPDATE``), so two
writers of one claim take turns and the second counts with the first one's
commit (READ COMMITTED: each statement sees the latest commits).

``manage.py recount_totals`` rebuilds both from scratch (and ``--check`` compares
them with the rules, as ``tests/public/test_totals.py`` does after random edits).
Rows changed without a save (``QuerySet.update``) are not seen: no code updates an
evidence item's state, claim or source, or a claim's state, that way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import Count, DateField, QuerySet, Sum
from django.db.models.functions import TruncMonth

from app.catalog.access import public_evidence, public_sources
from app.catalog.models import Claim, Evidence, Source
from app.public.models import EvidenceTally, PublicSource

CHUNK = 500  # ids locked and recounted per statement
TALLY_FIELDS = ("claim_id", "stance", "kind", "month", "n")


def _chunks(ids: Iterable[int | None]) -> Iterator[list[int]]:
    ordered = sorted({int(i) for i in ids if i is not None})
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _evidence_rows(evidence: QuerySet[Evidence]) -> QuerySet[Any]:
    month = TruncMonth("published_at", output_field=DateField())
    return (
        evidence.annotate(month=month)
        .order_by()
        .values("claim_id", "stance", "kind", "month")
        .annotate(n=Count("pk"))
    )


def refresh_claims(claim_ids: Iterable[int | None]) -> None:
    """Recount these claims' public evidence into `EvidenceTally`."""
    for ids in _chunks(claim_ids):
        with transaction.atomic():
            # In id order: two writers lock the same claims in the same order.
            list(Claim.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
            rows = list(_evidence_rows(public_evidence().filter(claim_id__in=ids)))
            EvidenceTally.objects.filter(claim_id__in=ids).delete()
            EvidenceTally.objects.bulk_create(EvidenceTally(**row) for row in rows)


def refresh_sources(source_ids: Iterable[int | None]) -> None:
    """Record whether each of these sources is public (`PublicSource`)."""
    for ids in _chunks(source_ids):
        with transaction.atomic():
            list(Source.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
            public = set(public_sources().filter(pk__in=ids).values_list("pk", flat=True))
            PublicSource.objects.filter(source_id__in=set(ids) - public).delete()
            PublicSource.objects.bulk_create(
                (PublicSource(source_id=pk) for pk in sorted(public)), ignore_conflicts=True
            )


def claim_sources(claim_ids: Iterable[int]) -> list[int]:
    """The sources the evidence of these claims cites (their publicity follows the claims')."""
    rows = Evidence.objects.filter(claim_id__in=list(claim_ids)).order_by()
    return list(rows.values_list("source_id", flat=True).distinct())


def rebuild() -> None:
    """Both tables from scratch (after a bulk load, or to repair them; ``migrate`` calls it
    when they are empty and the ledger is not: `rebuild_if_empty`)."""
    with transaction.atomic():
        EvidenceTally.objects.all().delete()
        EvidenceTally.objects.bulk_create(
            (EvidenceTally(**row) for row in _evidence_rows(public_evidence()).iterator()),
            batch_size=5000,
        )
        PublicSource.objects.all().delete()
        PublicSource.objects.bulk_create(
            (PublicSource(source_id=pk) for pk in public_sources().values_list("pk", flat=True)),
            batch_size=5000,
        )


def rebuild_if_empty(**kwargs: Any) -> None:
    """After ``migrate`` (post_migrate): fill the tables when the ledger has public claims
    and they hold nothing (the migration that made them, or a database loaded without
    saves)."""
    if EvidenceTally.objects.exists() or PublicSource.objects.exists():
        return
    if public_evidence().exists() or public_sources().exists():
        rebuild()


def differences() -> list[str]:
    """What the tables hold that the rules, counted from scratch, do not (empty: equal)."""

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return (row["claim_id"], row["stance"], row["kind"], row["month"])

    kept = {key(r): r["n"] for r in EvidenceTally.objects.values(*TALLY_FIELDS)}
    truth = {key(r): r["n"] for r in _evidence_rows(public_evidence())}
    problems = [
        f"evidence {k}: kept {kept.get(k)}, counted {truth.get(k)}"
        for k in sorted(set(kept) | set(truth), key=str)
        if kept.get(k) != truth.get(k)
    ]
    have = set(PublicSource.objects.values_list("source_id", flat=True))
    want = set(public_sources().values_list("pk", flat=True))
    problems += [f"source {pk}: kept as public, is not" for pk in sorted(have - want)]
    problems += [f"source {pk}: public, not kept" for pk in sorted(want - have)]
    return problems


# --- What the ledger-wide numbers read ----------------------------------------------


def public_source_ids() -> QuerySet[Any]:
    """The public sources' ids (``pk__in``/``source__in``): the rule, as kept."""
    return PublicSource.objects.values("source_id")


def evidence_total() -> int:
    """How many evidence items every reader may see."""
    return int(EvidenceTally.objects.aggregate(n=Sum("n"))["n"] or 0)


def kind_claims() -> dict[str, int]:
    """How many public claims have public evidence of each kind."""
    return {row["kind"]: int(row["n"]) for row in kind_claims_query()}


def kind_claims_query() -> QuerySet[Any]:
    """Rows (kind, n) of `kind_claims`, read in the order of the table's unique index
    (kind, claim, ...): no sort, no hash."""
    return EvidenceTally.objects.order_by().values("kind").annotate(n=Count("claim", distinct=True))


def evidence_numbers() -> dict[str, Any]:
    """Public evidence counted: ``total``, ``stance``/``kind``/``month`` (month as a
    date, None when unpublished) -> count. One query over `EvidenceTally`."""
    by: dict[str, dict[Any, int]] = {"stance": {}, "kind": {}, "month": {}}
    total = 0
    rows = EvidenceTally.objects.values("stance", "kind", "month").annotate(s=Sum("n")).order_by()
    for found in rows:
        row: dict[str, Any] = dict(found)
        n = int(row["s"])
        total += n
        for name, counts in by.items():
            counts[row[name]] = counts.get(row[name], 0) + n
    return {"total": total, **by}


# --- Kept in the writing transaction ------------------------------------------------


def _evidence_before(sender: Any, instance: Evidence, **kwargs: Any) -> None:
    """Its claim and source as stored: moved evidence changes the old ones' counts too."""
    before = None
    if instance.pk is not None and not instance._state.adding:
        before = Evidence.objects.filter(pk=instance.pk).values_list("claim_id", "source_id")
    instance._tally_before = before.first() if before is not None else None  # type: ignore[attr-defined]


def _evidence_changed(sender: Any, instance: Evidence, **kwargs: Any) -> None:
    old_claim, old_source = getattr(instance, "_tally_before", None) or (None, None)
    refresh_claims([instance.claim_id, old_claim])
    refresh_sources([instance.source_id, old_source])


def _claim_saved(sender: Any, instance: Claim, **kwargs: Any) -> None:
    from app.public.cache import WORDING_FIELDS

    fields = kwargs.get("update_fields") or ()
    if fields and set(fields) <= WORDING_FIELDS:
        return  # reworded: no count changes
    if kwargs.get("created"):
        return  # no evidence yet
    refresh_claims([instance.pk])
    refresh_sources(claim_sources([instance.pk]))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    pre_save.connect(_evidence_before, sender=Evidence, dispatch_uid="public-totals-evidence-pre")
    post_save.connect(_evidence_changed, sender=Evidence, dispatch_uid="public-totals-evidence")
    post_delete.connect(_evidence_changed, sender=Evidence, dispatch_uid="public-totals-ev-del")
    post_save.connect(_claim_saved, sender=Claim, dispatch_uid="public-totals-claim")
