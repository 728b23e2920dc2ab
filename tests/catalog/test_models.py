"""Hard rules live in the database, not only in forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from app.catalog.choices import PublicationState, Verdict
from app.catalog.models import Claim, Evidence, Source
from app.catalog.services import source_get_or_create, verdict_set
from tests.factories import ClaimFactory, EntityFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_a_duplicate_normalized_url_is_refused():
    SourceFactory(url="https://news.example/a", normalized_url="https://news.example/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(url="https://NEWS.example/a", normalized_url="https://news.example/a")


def test_a_tracking_variant_finds_the_existing_source(alice):
    first = source_get_or_create(url="https://News.Example/story?id=7", actor=alice)
    again = source_get_or_create(url="https://news.example/story?id=7&utm_source=x#top")
    assert first.created and not again.created
    assert again.source.pk == first.source.pk


def test_an_end_time_before_the_start_time_is_refused():
    item = EvidenceFactory()
    item.time_start, item.time_end = Decimal("20"), Decimal("12")
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_an_end_time_without_a_start_is_refused():
    item = EvidenceFactory()
    item.time_end = Decimal("12")
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_a_valid_time_range_is_kept():
    item = EvidenceFactory(time_start=Decimal("12"), time_end=Decimal("20"))
    item.refresh_from_db()
    assert (item.time_start, item.time_end) == (Decimal("12.000"), Decimal("20.000"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("verdict", "probably"), ("state", "live"), ("evidence_strength", "huge")],
)
def test_values_outside_the_vocabulary_are_refused_by_the_database(field, value):
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(**{field: value})


def test_a_published_claim_needs_a_publication_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(state=PublicationState.PUBLISHED, published_at=None)


def test_only_a_model_may_have_a_developer():
    org = EntityFactory(kind="organization")
    with pytest.raises(IntegrityError), transaction.atomic():
        EntityFactory(kind="work", developer=org)


def test_a_source_must_be_http():
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(url="ftp://x.example/", normalized_url="ftp://x.example/")


def test_every_change_to_a_claim_is_kept_with_who_made_it(alice):
    claim = ClaimFactory(statement="First wording.")
    claim._history_user = alice
    claim.statement = "Second wording."
    claim.save()
    history = list(claim.history.order_by("history_date"))
    assert [h.statement for h in history] == ["First wording.", "Second wording."]
    assert history[-1].history_user == alice
    delta = history[-1].diff_against(history[0])
    assert [c.field for c in delta.changes] == ["statement"]


def test_changes_to_evidence_are_kept(alice):
    item = EvidenceFactory(summary="Before.")
    item._history_user = alice
    item.summary = "After."
    item.save()
    assert list(item.history.values_list("summary", flat=True).order_by("history_date")) == [
        "Before.",
        "After.",
    ]
    assert Evidence.history.filter(id=item.id).latest().history_user == alice


def test_a_verdict_change_is_recorded_with_its_note(bob):
    claim = ClaimFactory()
    verdict_set(claim=claim, verdict=Verdict.DISPUTED, note="The developer denied it.", actor=bob)
    claim.refresh_from_db()
    change = claim.verdict_changes.get()
    assert claim.verdict == Verdict.DISPUTED
    assert (change.old_verdict, change.new_verdict, change.changed_by) == (
        Verdict.UNVERIFIED,
        Verdict.DISPUTED,
        bob,
    )


def test_a_verdict_change_without_a_note_is_refused(bob):
    with pytest.raises(ValueError, match="public note"):
        verdict_set(claim=ClaimFactory(), verdict=Verdict.REFUTED, note="  ", actor=bob)
