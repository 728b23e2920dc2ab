"""Round trip: dump -> import into an empty database -> publish -> dump again gives the same
files, ignoring ids, times and the addresses built from them (SQLite, and PostgreSQL when
DATABASE_URL points at it: run this file with both)."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from app.archive.models import Capture
from app.catalog import publication
from app.catalog.models import Claim, Entity, Evidence, Source, VerdictChange
from app.catalog.services import claim_create, entity_create, evidence_add, verdict_set
from app.disclosures.models import Case, Disclosure
from app.disclosures.services import (
    SectionInput,
    case_create,
    case_document_add,
    case_event_add,
    case_party_add,
    disclosure_create,
)
from app.graph.models import Relation
from app.graph.services import relation_add
from app.ledgerdata import dumps
from app.ledgerdata.models import ImportedRecord

pytestmark = pytest.mark.django_db
TYPES = ("entities", "claims", "sources", "evidence", "relations", "disclosures", "cases")
# Ids, times, and addresses containing an id or a slug the ledger assigns.
IGNORED = {"id", "slug", "url", "api_url", "archived_copy_url", "download_url", "archived_copy"}


@pytest.fixture(autouse=True)
def fresh_dumps():
    yield
    shutil.rmtree(Path(default_storage.path("dumps")), ignore_errors=True)


def _clean(value: Any, keep_url: bool = False) -> Any:
    if isinstance(value, dict):
        return {
            k: _clean(v)
            for k, v in value.items()
            if not (k in IGNORED and not (keep_url and k == "url"))
            and not k.endswith(("_id", "_at"))
        }
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def read_dump() -> dict[str, list[dict[str, Any]]]:
    folder = dumps.latest_folder()
    rows: dict[str, list[dict[str, Any]]] = {}
    for name in TYPES:
        with default_storage.open(f"dumps/{folder}/{name}.jsonl.gz", "rb") as handle:
            rows[name] = [json.loads(line) for line in gzip.decompress(handle.read()).splitlines()]
    statement = {c["slug"]: c["statement"] for c in rows["claims"]}
    for row in rows["disclosures"]:
        row["source"] = row["source"]["url"]
    for row in rows["cases"]:
        row["claims"] = sorted(statement[slug] for slug in row["claims"])
        for document in row["documents"]:
            document["source"] = document["source"]["url"]
    normalized = {
        "entities": sorted(
            (_clean(r) for r in rows["entities"]), key=lambda r: (r["kind"], r["name"])
        ),
        "claims": sorted((_clean(r) for r in rows["claims"]), key=lambda r: r["statement"]),
        "sources": sorted(
            (_clean(r, keep_url=True) for r in rows["sources"]), key=lambda r: r["url"]
        ),
        "evidence": sorted(
            (
                {**_clean(r), "claim": statement[r["claim"]], "source": r["source"]["url"]}
                for r in rows["evidence"]
            ),
            key=lambda r: (r["claim"], r["source"], r["summary"]),
        ),
        "relations": sorted(
            ({**_clean(r), "claim": statement[r["claim"]]} for r in rows["relations"]),
            key=lambda r: (r["claim"], r["kind"], r["from"]["name"]),
        ),
        "disclosures": sorted((_clean(r) for r in rows["disclosures"]), key=lambda r: r["title"]),
        "cases": sorted((_clean(r) for r in rows["cases"]), key=lambda r: r["title"]),
    }
    return normalized


def build_ledger(bob: Any) -> None:
    sora = entity_create(actor=bob, name="VidGen", kind="model", developer_name="Example Labs")
    game = entity_create(actor=bob, name="BlockWorld", kind="work").entity
    streams = entity_create(actor=bob, name="Stream archive", kind="dataset").entity
    for n, (statement, content) in enumerate(
        [("VidGen was trained on BlockWorld footage.", [game]),
         ("VidGen was trained on a stream archive.", [streams, game])]
    ):  # fmt: skip
        claim = claim_create(
            actor=bob,
            statement=statement,
            models=[sora.entity],
            content=content,
            summary=f"Summary **{n}**.",
            first_seen=f"2024-12-1{n}",
            language="en",
            developer_response="contacted",
        )
        for i, stance in enumerate(["supports", "context"]):
            evidence_add(
                claim=claim,
                actor=bob,
                url=f"https://news{i}.example/{n}?utm_source=x",
                kind="news_report" if i == 0 else "developer_statement",
                stance=stance,
                summary=f"Item {i} of claim {n}: “quoted” text, commas, and\nlines.",
                quote="A quote." if i == 0 else "",
                locator="p. 3",
                time_start=Decimal("12.5") if i == 0 else None,
                time_end=Decimal("20") if i == 0 else None,
                submit=False,
            )
        publication.publication_set(claim, "published", actor=bob)
        for item in claim.evidence.all():
            if item.state != "published":
                publication.publication_set(item, "published", actor=bob)
        verdict_set(
            claim=claim, verdict="supported", strength="moderate", note="Agreed.", actor=bob
        )
    Source.objects.filter(url__contains="news0").update(title="A report", publisher="News 0")
    build_linked_records(bob, sora.entity, game, streams)


def build_linked_records(bob: Any, model: Entity, game: Entity, streams: Entity) -> None:
    """A relation on each claim, a disclosure with two stated sections, a case with its
    parties, a document, a timeline and both claims (app/graph, app/disclosures)."""
    first, second = Claim.objects.order_by("pk")
    relation_add(claim=first, kind="membership", upstream=game, downstream=streams, actor=bob,
                 note="The index lists its clips.")  # fmt: skip
    relation_add(claim=second, kind="use", upstream=streams, downstream=model, actor=bob,
                 attribution="alleged", stage="pretraining")  # fmt: skip
    sections = {
        "1.3": SectionInput(text="Video and images.", data={"modalities": ["video", "image"]}),
        "2.3": SectionInput(text="Crawled web data.", data={"crawlers": ["ExampleBot"]}),
    }
    disclosure = disclosure_create(model=model, actor=bob, kind="model_card",
                                   title="VidGen card", url="https://labs.example/card",
                                   version_label="1", published_on=date(2024, 12, 9),
                                   sections=sections, submit=False)  # fmt: skip
    publication.publication_set(disclosure, "published", actor=bob)
    case = case_create(actor=bob, title="Creators v. Example Labs", court="N.D. Example",
                       docket_number="3:25-cv-00001", filed_on=date(2025, 1, 2), status="active",
                       summary="Creators allege their streams were used.", submit=False)  # fmt: skip
    plaintiffs = entity_create(actor=bob, name="Creators Guild", kind="organization").entity
    case_party_add(case=case, entity=plaintiffs, role="plaintiff")
    case_party_add(case=case, entity=model.developer, role="defendant")
    complaint = case_document_add(case=case, actor=bob, url="https://court.example/1.pdf",
                                  docket_entry="1", title="Complaint", filed_on=date(2025, 1, 2))  # fmt: skip
    case_event_add(case=case, when=date(2025, 1, 2), kind="complaint", title="Complaint filed",
                   document=complaint)  # fmt: skip
    case_event_add(case=case, when=date(2025, 3, 1), kind="motion_to_dismiss", title="Motion filed")
    case.models_concerned.add(model)
    case.claims.add(first, second)
    publication.publication_set(case, "published", actor=bob)


def empty_the_ledger() -> None:
    Relation.objects.all().delete()
    Case.objects.all().delete()
    Disclosure.objects.all().delete()
    Evidence.objects.all().delete()
    VerdictChange.objects.all().delete()
    Claim.objects.all().delete()
    Capture.objects.all().delete()
    Source.objects.all().delete()
    Entity.objects.filter(developer__isnull=False).delete()
    Entity.objects.all().delete()
    ImportedRecord.objects.all().delete()


def publish_everything(bob: Any) -> None:
    for claim in Claim.objects.all():
        publication.publication_set(claim, "published", actor=bob)
    for item in Evidence.objects.exclude(state="published"):
        publication.publication_set(item, "published", actor=bob)
    for record in [*Disclosure.objects.all(), *Case.objects.all()]:
        publication.publication_set(record, "published", actor=bob)


def test_dump_import_dump_gives_the_same_files(bob):
    build_ledger(bob)
    dumps.write_dump()
    first = read_dump()
    assert len(first["claims"]) == 2 and len(first["evidence"]) == 4
    assert len(first["relations"]) == 2 and len(first["disclosures"]) == 1
    assert [len(c["events"]) for c in first["cases"]] == [2]
    folder = Path(default_storage.path(f"dumps/{dumps.latest_folder()}"))

    empty_the_ledger()
    assert Claim.objects.count() == Entity.objects.count() == 0
    call_command("import_ledger", str(folder), "--user", "bob")
    assert set(Claim.objects.values_list("state", flat=True)) == {"pending"}
    assert set(Case.objects.values_list("state", flat=True)) == {"pending"}
    assert set(Disclosure.objects.values_list("state", flat=True)) == {"pending"}
    assert Relation.objects.count() == 2
    publish_everything(bob)
    shutil.rmtree(Path(default_storage.path("dumps")))
    dumps.write_dump()
    second = read_dump()
    for name in TYPES:
        assert second[name] == first[name], name


def test_the_csv_files_of_a_dump_import_the_same_way(bob):
    build_ledger(bob)
    dumps.write_dump()
    first = read_dump()
    folder = Path(default_storage.path(f"dumps/{dumps.latest_folder()}"))
    empty_the_ledger()
    for name in TYPES:
        call_command("import_ledger", str(folder / f"{name}.csv.gz"), "--user", "bob")
    publish_everything(bob)
    shutil.rmtree(Path(default_storage.path("dumps")))
    dumps.write_dump()
    assert read_dump() == first
