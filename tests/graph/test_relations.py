"""Relations of each kind, derived paths with the weakest link, and the claim's state machine."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from app.catalog.choices import EntityKind, PublicationState, Strength, Verdict
from app.graph.models import Attribution, Relation, RelationKind
from app.graph.paths import paths_from
from app.graph.services import relation_add
from tests.factories import ClaimFactory, EntityFactory
from tests.graph.conftest import World

nobody: Any = None


def _ends(world: World, start: int) -> list[tuple[list[str], str, str, bool]]:
    from app.catalog.models import Entity

    names = dict(Entity.objects.values_list("id", "slug"))
    return [
        ([names[i] for i in p.entity_ids], p.weakest_verdict, p.weakest_strength, p.alleged)
        for p in paths_from([start])
    ]


def test_each_relation_kind_joins_only_its_kinds_of_entity(world: World) -> None:
    claim = ClaimFactory()
    with pytest.raises(ValidationError, match="cannot go from"):
        relation_add(
            claim=claim,
            kind=RelationKind.MEMBERSHIP,
            upstream=world.book,
            downstream=world.llama,
            actor=nobody,
        )
    with pytest.raises(ValidationError, match="cannot go from"):
        relation_add(
            claim=claim,
            kind=RelationKind.USE,
            upstream=world.llama,
            downstream=world.books3,
            actor=nobody,
            attribution=Attribution.DECLARED,
        )
    with pytest.raises(ValidationError, match="cannot go from"):
        relation_add(
            claim=claim,
            kind=RelationKind.DERIVATION,
            upstream=world.books3,
            downstream=world.llama,
            actor=nobody,
        )
    with pytest.raises(ValidationError, match="declared"):
        relation_add(
            claim=claim,
            kind=RelationKind.USE,
            upstream=world.pile,
            downstream=world.llama,
            actor=nobody,
        )
    with pytest.raises(ValidationError, match="use relations only"):
        relation_add(
            claim=claim,
            kind=RelationKind.MEMBERSHIP,
            upstream=world.author,
            downstream=world.pile,
            actor=nobody,
            attribution=Attribution.ALLEGED,
        )
    site = EntityFactory(kind=EntityKind.ORGANIZATION, name="A site", website="https://a.example/")
    member = relation_add(
        claim=claim,
        kind=RelationKind.MEMBERSHIP,
        upstream=site,
        downstream=world.pile,
        actor=nobody,
    )
    assert member.stage == "" and member.claim == claim
    assert world.used.stage == "pretraining" and world.alleged.stage == "unknown"


def test_the_database_refuses_what_the_service_would(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(
            claim=world.draft_claim,
            kind=RelationKind.MEMBERSHIP,
            upstream=world.book,
            downstream=world.book,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(
            claim=world.draft_claim,
            kind=RelationKind.MEMBERSHIP,
            upstream=world.book,
            downstream=world.pile,
            stage="pretraining",
        )


def test_a_claim_carries_a_chain_and_adding_a_link_twice_keeps_one(world: World) -> None:
    claim = world.membership.claim
    relation_add(
        claim=claim,
        kind=RelationKind.DERIVATION,
        upstream=world.books3,
        downstream=world.pile,
        actor=nobody,
    )
    again = relation_add(
        claim=claim,
        kind=RelationKind.DERIVATION,
        upstream=world.books3,
        downstream=world.pile,
        actor=nobody,
    )
    assert [r.kind for r in claim.relations.all()] == ["membership", "derivation"]
    assert again.position == 1


def test_paths_follow_derivations_and_carry_their_weakest_link(world: World) -> None:
    assert _ends(world, world.book.pk) == [
        (["the-sea-inside", "books3", "the-pile", "llama"], Verdict.CONFIRMED, Strength.MODERATE, False),
        (["the-sea-inside", "books3", "the-pile", "llama", "llama-chat"], Verdict.CONFIRMED, Strength.MODERATE, False),
        (["the-sea-inside", "books3", "llama"], Verdict.SUPPORTED, Strength.WEAK, True),
        (["the-sea-inside", "books3", "llama", "llama-chat"], Verdict.SUPPORTED, Strength.WEAK, True),
    ]  # fmt: skip
    first = paths_from([world.book.pk])[0]
    assert first.relation_ids == (world.membership.pk, world.contains.pk, world.used.pk)


def test_the_depth_is_bounded(world: World) -> None:
    shallow = paths_from([world.book.pk], max_depth=2)
    assert [len(p.relation_ids) for p in shallow] == [2]


def test_a_cycle_does_not_loop(world: World) -> None:
    relation_add(
        claim=ClaimFactory(),
        kind=RelationKind.DERIVATION,
        upstream=world.pile,
        downstream=world.books3,
        actor=nobody,
    )
    assert len(paths_from([world.book.pk])) == 4


def test_a_refuted_link_makes_the_whole_path_refuted(world: World) -> None:
    claim = world.contains.claim
    claim.verdict = Verdict.REFUTED
    claim.save()
    labels = {(len(p.relation_ids), p.weakest_verdict) for p in paths_from([world.book.pk])}
    assert (3, Verdict.REFUTED) in labels and (2, Verdict.SUPPORTED) in labels


def test_relations_follow_their_claim_through_the_one_publication_action(
    world: World, alice: Any, bob: Any
) -> None:
    from app.catalog.publication import publication_set

    def secret_reached() -> bool:
        return any(p.end_id == world.secret.pk for p in paths_from([world.books3.pk]))

    claim = world.draft_claim
    claim.created_by = alice
    claim.save()
    assert not secret_reached()  # draft
    publication_set(claim, PublicationState.PENDING, actor=alice)
    assert not secret_reached()  # pending review
    publication_set(claim, PublicationState.PUBLISHED, actor=bob)
    assert secret_reached()
    publication_set(claim, PublicationState.WITHDRAWN, actor=bob, reason="wrong dataset")
    assert not secret_reached()
