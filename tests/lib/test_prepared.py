"""Querysets compiled once and run with other arguments (app/lib/prepared.py)."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet, Value

from app.archive.models import Artifact, ArtifactKind
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence
from app.lib.prepared import PreparedQuery, _compiled_tz_loader, ids_text, in_ids
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def evidence_of(claim_id: int, kind: str) -> QuerySet[Any]:
    rows = Evidence.objects.filter(claim_id=claim_id, kind=kind).order_by("id")
    return rows.values_list("id", "summary", "time_start", "created_at", "source__title")


def test_the_rows_are_those_of_the_queryset_for_every_argument() -> None:
    first, second = ClaimFactory(), ClaimFactory()
    for claim in (first, second):
        EvidenceFactory(claim=claim, time_start=Decimal("12.5"))
        EvidenceFactory(claim=claim, kind="document")
    prepared = PreparedQuery(evidence_of, 0, "")
    for claim in (first, second):
        for kind in ("news_report", "document", "no-such-kind"):
            expected = list(evidence_of(claim.pk, kind))
            assert prepared(claim.pk, kind) == expected
    rows = prepared(first.pk, "news_report")
    assert rows[0][2] == Decimal("12.5")  # converters applied: a Decimal
    assert rows[0][3].tzinfo is not None  # and an aware datetime, on SQLite too


def test_json_columns_are_decoded_and_an_argument_may_appear_several_times() -> None:
    capture = CaptureFactory()
    Artifact.objects.create(
        capture=capture, kind=ArtifactKind.FRAME, name="f.jpg", storage_key="k", size=1,
        media_type="image/jpeg", sha256="0" * 64, metadata={"time": 1.5},
    )  # fmt: skip

    def files(capture_id: int) -> QuerySet[Any]:
        one = (
            Artifact.objects.filter(capture_id=capture_id)
            .order_by()
            .values_list("metadata", Value(1))
        )
        two = (
            Artifact.objects.filter(capture_id=capture_id)
            .order_by()
            .values_list("metadata", Value(2))
        )
        return one.union(two, all=True)

    prepared = PreparedQuery(files, 0)
    assert sorted(prepared(capture.pk), key=lambda r: r[1]) == [
        ({"time": 1.5}, 1),
        ({"time": 1.5}, 2),
    ]
    assert prepared(capture.pk + 1000) == []


def test_misuse_is_refused() -> None:
    prepared = PreparedQuery(lambda slug: Claim.objects.filter(slug=slug).values_list("id"), "")
    with pytest.raises(TypeError):
        prepared(3)
    with pytest.raises(TypeError):
        prepared()
    ignores = PreparedQuery(lambda pk: Claim.objects.values_list("id"), 0)
    with pytest.raises(ValueError, match="does not reach the SQL"):
        ignores(1)


def test_a_list_of_ids_is_one_parameter_whatever_its_length() -> None:
    claims = [ClaimFactory() for _ in range(4)]
    prepared = PreparedQuery(
        lambda ids: (
            Claim.objects.extra(where=[in_ids("catalog_claim.id")], params=[ids])
            .order_by("id")
            .values_list("id", "slug")
        ),
        "",
    )
    for chosen in ([], claims[:1], claims[1:3], claims, [*claims, *claims]):
        ids = [c.pk for c in chosen]
        expected = list(Claim.objects.filter(pk__in=ids).order_by("id").values_list("id", "slug"))
        assert prepared(ids_text(ids)) == expected


def test_datetimes_are_those_of_the_orm_aware_in_utc_whichever_loader_reads_them() -> None:
    """On PostgreSQL in UTC, psycopg's compiled timestamptz loader reads the rows instead of
    Django's Python one: the same values, with the same tzinfo object."""
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, state=PublicationState.DRAFT, published_at=None)
    EvidenceFactory(claim=claim)
    prepared = PreparedQuery(
        lambda pk: (
            Evidence.objects.filter(claim_id=pk)
            .order_by("id")
            .values_list("created_at", "published_at", "claim__updated_at")
        ),
        0,
    )
    rows = prepared(claim.pk)
    assert rows == list(prepared.build(claim.pk))
    assert rows[0][1] is None
    stamps = [value for row in rows for value in row if value is not None]
    assert len(stamps) == 5
    assert all(value.tzinfo is UTC for value in stamps)
    if connection.vendor == "postgresql":
        assert _compiled_tz_loader(connection) is not None
