"""The counts kept at each write (app.public.totals) equal the rules counted from scratch.

Random edits of every kind that moves a ledger-wide number (a claim published, withdrawn,
deleted, its verdict and names; evidence added, published, withdrawn, moved to another
source or claim, deleted; entities renamed and given another developer; captures; a
developer's disclosure published and withdrawn), each through the services the site uses,
then every memoized number (home totals, the list's facets, the overview) and the kept
tables against their from-scratch computation.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from app.archive.models import WITH_FILES, Capture, CaptureStatus
from app.catalog import access, publication
from app.catalog.choices import EvidenceKind, PublicationState, Stance, Verdict
from app.catalog.models import Claim, Evidence, Source
from app.catalog.services import evidence_add, verdict_set
from app.dashboards import queries as dashboards
from app.disclosures.models import Disclosure, DisclosureKind
from app.disclosures.services import disclosure_create
from app.public import queries, totals
from app.public.filters import ClaimFilters
from app.public.models import EvidenceTally, PublicSource
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EntityFactory,
    EvidenceFactory,
    ModelEntityFactory,
)

pytestmark = pytest.mark.django_db

PUBLISHED = PublicationState.PUBLISHED
URLS = [f"https://news{i}.example/story" for i in range(12)]  # sources shared by claims


def reference_counts() -> dict[str, int]:
    archived = Capture.objects.filter(status__in=WITH_FILES, source__in=access.public_sources())
    return {
        "claims": access.public_claims().count(),
        "evidence": access.public_evidence().count(),
        "sources": archived.values("source_id").distinct().count(),
    }


def reference_overview() -> dict[str, Any]:
    claims = access.public_claims()
    claim_counts = dashboards._tally(claims, "verdict")
    evidence = dashboards._tally(access.public_evidence(), "stance", "kind")
    return {
        "verdicts": claim_counts["verdict"],
        "developers": dashboards._top(claims, "models_named__developer"),
        "models": dashboards._top(claims, "models_named"),
        "claims_by_month": claim_counts["month"],
        "evidence_by_month": evidence["month"],
        "stances": evidence["stance"],
        "kinds": evidence["kind"],
        **dashboards._archive(access.public_sources()),
        "today": dashboards._month(timezone.localdate()),
    }


def assert_equal_to_scratch() -> None:
    assert totals.differences() == []
    assert queries._count_ledger() == reference_counts()
    everything = ClaimFilters()
    kept = queries._facets(queries._ledger_facet_rows(), everything)
    assert kept == queries.facet_counts(access.public_claims(), everything)
    assert dashboards._compute_overview() == reference_overview()


class Editor:
    """Random edits through the site's services, as the moderator ``actor``."""

    def __init__(self, actor: Any, rng: random.Random) -> None:
        self.actor, self.rng = actor, rng
        developers = [EntityFactory(kind="organization", name=f"Lab {i}") for i in range(3)]
        self.models = [
            ModelEntityFactory(name=f"Model {i}", developer=developers[i % 3]) for i in range(5)
        ]
        self.developers = developers
        self.works = [EntityFactory(name=f"Work {i}") for i in range(4)]

    def pick(self, items: Any) -> Any:
        items = list(items)
        return self.rng.choice(items) if items else None

    def set_state(self, item: Any, state: str) -> None:
        reason = "" if state == PUBLISHED else "Random edit."
        try:
            publication.publication_set(item, state, actor=self.actor, reason=reason)
        except publication.PublicationError:
            pass  # no such transition from its state: nothing changed

    # -- the edits ---------------------------------------------------------------------

    def new_claim(self) -> None:
        claim = ClaimFactory(draft=True, language=self.pick(["en", "fr"]))
        claim.models_named.add(self.pick(self.models))
        claim.content_named.add(*self.rng.sample(self.works, self.rng.randint(1, 2)))
        if self.rng.random() < 0.7:
            self.set_state(claim, PUBLISHED)

    def publish_claim(self) -> None:
        claim = self.pick(Claim.objects.exclude(state=PUBLISHED))
        if claim:
            self.set_state(claim, PUBLISHED)

    def withdraw_claim(self) -> None:
        claim = self.pick(Claim.objects.filter(state=PUBLISHED))
        if claim:
            self.set_state(claim, PublicationState.WITHDRAWN)

    def delete_claim(self) -> None:
        claim = self.pick(Claim.objects.all())
        if claim and self.rng.random() < 0.3:
            claim.delete()

    def verdict(self) -> None:
        claim = self.pick(Claim.objects.all())
        if claim:
            verdict = self.pick(Verdict.values)
            verdict_set(claim=claim, verdict=verdict, note="Random.", actor=self.actor)

    def rename(self) -> None:
        claim = self.pick(Claim.objects.all())
        if claim:
            claim.models_named.set([self.pick(self.models)])
            claim.content_named.remove(self.pick(self.works))

    def add_evidence(self) -> None:
        claim = self.pick(Claim.objects.all())
        if claim:
            added = evidence_add(
                claim=claim, actor=self.actor, url=self.pick(URLS),
                kind=self.pick(EvidenceKind.values), stance=self.pick(Stance.values),
                summary="It shows it.",
            )  # fmt: skip
            if self.rng.random() < 0.7:
                self.set_state(added.evidence, PUBLISHED)

    def publish_evidence(self) -> None:
        item = self.pick(Evidence.objects.exclude(state=PUBLISHED))
        if item:
            self.set_state(item, PUBLISHED)

    def withdraw_evidence(self) -> None:
        item = self.pick(Evidence.objects.filter(state=PUBLISHED))
        if item:
            self.set_state(item, PublicationState.WITHDRAWN)

    def delete_evidence(self) -> None:
        item = self.pick(Evidence.objects.all())
        if item:
            item.delete()

    def move_evidence(self) -> None:
        item = self.pick(Evidence.objects.all())
        if item is None:
            return
        if self.rng.random() < 0.5:
            item.source = self.pick(Source.objects.all())
        else:
            item.claim = self.pick(Claim.objects.all())
        item.save()

    def entity(self) -> None:
        model = self.pick(self.models)
        model.developer = self.pick(self.developers)
        model.name = f"{model.name.split(' (')[0]} ({self.rng.randint(0, 99)})"
        model.save()

    def capture(self) -> None:
        source = self.pick(Source.objects.all())
        if source:
            status = self.pick([CaptureStatus.SUCCEEDED, CaptureStatus.FAILED])
            CaptureFactory(source=source, status=status)

    def disclosure(self) -> None:
        item = self.pick(Disclosure.objects.all())
        if item is None or self.rng.random() < 0.3:
            item = disclosure_create(
                model=self.pick(self.models), actor=self.actor,
                kind=DisclosureKind.EU_SUMMARY, title="Public summary", url=self.pick(URLS),
            )  # fmt: skip
        state = PUBLISHED if item.state != PUBLISHED else PublicationState.WITHDRAWN
        self.set_state(item, state)

    def any(self) -> str:
        edits = [
            self.new_claim, self.publish_claim, self.withdraw_claim, self.delete_claim,
            self.verdict, self.rename, self.add_evidence, self.add_evidence, self.add_evidence,
            self.publish_evidence, self.withdraw_evidence, self.delete_evidence,
            self.move_evidence, self.entity, self.capture, self.disclosure,
        ]  # fmt: skip
        edit = self.rng.choice(edits)
        edit()
        return edit.__name__


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_keep_every_number_equal_to_the_full_count(bob, seed):
    rng = random.Random(seed)
    editor = Editor(bob, rng)
    for _ in range(6):
        editor.new_claim()
    done: list[str] = []
    for step in range(80):
        done.append(editor.any())
        if step % 10 == 9:
            assert_equal_to_scratch()
    assert_equal_to_scratch()
    # Every kind of edit ran, and the ledger is not empty: the test compared something.
    assert len(set(done)) == 14
    assert EvidenceTally.objects.exists() and PublicSource.objects.exists()


def test_a_reworded_claim_recounts_nothing(bob):
    claim = ClaimFactory()
    claim.summary = "Other words."
    with CaptureQueriesContext(connection) as ctx:
        claim.save(update_fields=["summary", "updated_at"])
    assert not [q for q in ctx.captured_queries if "public_" in q["sql"]]


def test_recount_totals_rebuilds_and_checks():
    for claim in (ClaimFactory(), ClaimFactory()):
        for stance in (Stance.SUPPORTS, Stance.CONTEXT, Stance.SUPPORTS):
            EvidenceFactory(claim=claim, stance=stance)
    assert EvidenceTally.objects.count() == 4
    kept = list(EvidenceTally.objects.order_by("pk").values(*totals.TALLY_FIELDS))
    EvidenceTally.objects.all().delete()
    PublicSource.objects.all().delete()
    with pytest.raises(Exception, match="differences"):
        call_command("recount_totals", "--check")
    call_command("recount_totals")
    call_command("recount_totals", "--check")
    assert sorted(map(str, EvidenceTally.objects.values(*totals.TALLY_FIELDS))) == sorted(
        map(str, kept)
    )
    assert PublicSource.objects.count() == 6
