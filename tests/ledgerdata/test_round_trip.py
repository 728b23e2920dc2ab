"""Round trip: dump -> import into an empty database -> publish -> dump again gives the same
files, ignoring ids, times and the addresses built from them (SQLite, and PostgreSQL when
DATABASE_URL points at it: run this file with both)."""

from __future__ import annotations

import gzip
import json
import shutil
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
from app.ledgerdata import dumps
from app.ledgerdata.models import ImportedRecord

pytestmark = pytest.mark.django_db
TYPES = ("entities", "claims", "sources", "evidence")
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


def empty_the_ledger() -> None:
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


def test_dump_import_dump_gives_the_same_files(bob):
    build_ledger(bob)
    dumps.write_dump()
    first = read_dump()
    assert len(first["claims"]) == 2 and len(first["evidence"]) == 4
    folder = Path(default_storage.path(f"dumps/{dumps.latest_folder()}"))

    empty_the_ledger()
    assert Claim.objects.count() == Entity.objects.count() == 0
    call_command("import_ledger", str(folder), "--user", "bob")
    assert set(Claim.objects.values_list("state", flat=True)) == {"pending"}
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
