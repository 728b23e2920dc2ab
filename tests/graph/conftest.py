"""A small graph: a book in Books3, Books3 in The Pile, The Pile used by two models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.catalog.choices import EntityKind, Strength, Verdict
from app.catalog.models import Claim, Entity
from app.graph.importer import run_import
from app.graph.models import Attribution, DatasetVersion, Relation, RelationKind
from app.graph.services import dataset_for, relation_add, version_claim, version_create
from tests.factories import ClaimFactory, EntityFactory, EvidenceFactory


@dataclass
class World:
    book: Entity
    author: Entity
    books3: Entity
    pile: Entity
    llama: Entity
    llama_chat: Entity
    secret: Entity
    membership: Relation
    contains: Relation
    used: Relation
    alleged: Relation
    finetune: Relation
    draft_use: Relation
    draft_claim: Claim


def _claim(verdict: str, strength: str, *, draft: bool = False, evidence: int = 1) -> Claim:
    claim = ClaimFactory(verdict=verdict, evidence_strength=strength, draft=draft)
    for _ in range(evidence):
        EvidenceFactory(claim=claim)
    return claim


@pytest.fixture
def world(db: None) -> World:
    kind = EntityKind
    book = EntityFactory(kind=kind.WORK, name="The Sea Inside", slug="the-sea-inside")
    author = EntityFactory(kind=kind.CREATOR, name="Ana Writer", slug="ana-writer")
    books3 = EntityFactory(kind=kind.DATASET, name="Books3", slug="books3")
    pile = EntityFactory(kind=kind.DATASET, name="The Pile", slug="the-pile")
    llama = EntityFactory(kind=kind.MODEL, name="LLaMA", slug="llama")
    llama_chat = EntityFactory(kind=kind.MODEL, name="LLaMA Chat", slug="llama-chat")
    secret = EntityFactory(kind=kind.MODEL, name="Secret Model", slug="secret-model")
    nobody: Any = None
    add = relation_add
    membership = add(
        claim=_claim(Verdict.CONFIRMED, Strength.STRONG, evidence=2),
        kind=RelationKind.MEMBERSHIP,
        upstream=book,
        downstream=books3,
        actor=nobody,
    )
    contains = add(
        claim=_claim(Verdict.CONFIRMED, Strength.STRONG),
        kind=RelationKind.DERIVATION,
        upstream=books3,
        downstream=pile,
        actor=nobody,
    )
    used = add(
        claim=_claim(Verdict.CONFIRMED, Strength.MODERATE, evidence=3),
        kind=RelationKind.USE,
        upstream=pile,
        downstream=llama,
        actor=nobody,
        attribution=Attribution.DECLARED,
        stage="pretraining",
    )
    alleged = add(
        claim=_claim(Verdict.SUPPORTED, Strength.WEAK),
        kind=RelationKind.USE,
        upstream=books3,
        downstream=llama,
        actor=nobody,
        attribution=Attribution.ALLEGED,
    )
    finetune = add(
        claim=_claim(Verdict.CONFIRMED, Strength.STRONG),
        kind=RelationKind.DERIVATION,
        upstream=llama,
        downstream=llama_chat,
        actor=nobody,
    )
    draft_claim = _claim(Verdict.UNVERIFIED, Strength.NONE, draft=True)
    draft_use = add(
        claim=draft_claim,
        kind=RelationKind.USE,
        upstream=books3,
        downstream=secret,
        actor=nobody,
        attribution=Attribution.ALLEGED,
    )
    return World(book, author, books3, pile, llama, llama_chat, secret, membership, contains,
                 used, alleged, finetune, draft_use, draft_claim)  # fmt: skip


BOOKS3 = "title,author,isbn\nThe Sea Inside,Ana Writer,0-306-40615-2\nAnother Book,Ben Writer,\n"
CLIPS = (
    '{"video_id": "dQw4w9WgXcQ", "channel_id": "UCuAXFkgsw1L7xaCfnd5JJOw", "title": "Speedrun"}\n'
    '{"kind": "page", "url": "https://blog.example.org/posts/1"}\n'
)


def _index(tmp_path: Path, entity: Any, name: str, text: str) -> DatasetVersion:
    path = tmp_path / name
    path.write_text(text)
    new = version_create(
        dataset=dataset_for(entity),
        path=path,
        file_name=name,
        source_url=f"https://data.example/{name}",
        actor=None,
    )
    version_claim(new.version.pk)
    version = DatasetVersion.objects.select_related("artifact").get(pk=new.version.pk)
    run_import(version)
    return version


@pytest.fixture
def indexed(world: World, tmp_path: Path) -> World:
    _index(tmp_path, world.books3, "books3.csv", BOOKS3)
    _index(tmp_path, world.pile, "pile.jsonl", CLIPS)
    return world


def loaded_rows(version_id: int) -> int:
    """Rows written for a version so far, attached or not: on PostgreSQL an import writes
    into the version's own table, which becomes a partition only once the version is done."""
    from django.db import connection

    from app.graph import members
    from app.graph.models import DatasetMember

    if not members.partitioned():
        return DatasetMember.objects.filter(version_id=version_id).count()
    table = members.table_for(version_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is None:
            return 0
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])
