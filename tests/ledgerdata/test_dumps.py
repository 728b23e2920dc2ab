"""Daily dumps: every record type as gzip CSV and JSON Lines with the API's field names,
a manifest with rows, sizes and SHA-256, stable "latest" addresses, 30 kept, memory flat."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tracemalloc
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from app.api import serializers
from app.catalog.models import Claim, Evidence, Source
from app.celery import app as celery_app
from app.ledgerdata import dumps, records
from app.ledgerdata.records import RecordType, record_types
from tests.factories import ClaimFactory, EntityFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db
DEMO = "sora-trained-on-video-game-footage"
TYPES = ["entities", "claims", "sources", "evidence", "captures", "artifacts"]


@pytest.fixture(autouse=True)
def fresh_dumps():
    yield
    shutil.rmtree(Path(default_storage.path("dumps")), ignore_errors=True)


def stored(name: str) -> bytes:
    with default_storage.open(f"dumps/{dumps.latest_folder()}/{name}", "rb") as handle:
        return handle.read()


def jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(stored(name)).decode().splitlines()]


def test_a_dump_holds_every_record_type_with_a_manifest_that_checks(demo):
    manifest = dumps.write_dump()
    names = {f["name"] for f in manifest["files"]}
    assert names >= {f"{t}.{fmt}.gz" for t in TYPES for fmt in ("csv", "jsonl")}
    for entry in manifest["files"]:
        data = stored(entry["name"])
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        lines = gzip.decompress(data).decode().splitlines()
        header = 1 if entry["format"] == "csv" else 0
        assert len(lines) - header == entry["rows"], entry["name"]
    counts = {f["name"]: f["rows"] for f in manifest["files"]}
    assert counts["claims.jsonl.gz"] == Claim.objects.filter(state="published").count() == 2
    assert counts["evidence.csv.gz"] == Evidence.objects.filter(state="published").count()
    # The three demo pages and the demo clip.
    assert counts["artifacts.jsonl.gz"] > 0 and counts["captures.jsonl.gz"] == 4
    # The graph's and the disclosures app's record types (app/graph/dumps.py, .../disclosures/).
    assert (counts["relations.jsonl.gz"], counts["disclosures.csv.gz"]) == (4, 1)
    assert counts["cases.jsonl.gz"] == 1
    [case] = jsonl("cases.jsonl.gz")
    assert case["is_demo"] is True and case["claims"] == ["sora-trained-on-video-game-footage"]


def test_rows_have_the_field_names_and_values_of_api_v1(client, demo):
    dumps.write_dump()
    [row] = [r for r in jsonl("claims.jsonl.gz") if r["slug"] == DEMO]
    api = client.get(f"/api/v1/claims/{DEMO}").json()
    # Every dumped field is an API field with the same value (the API adds the claim's
    # evidence, verdict history and what other apps attach, such as relations).
    assert set(row) <= set(api)
    assert row == {k: api[k] for k in row}
    evidence = {r["id"]: r for r in jsonl("evidence.jsonl.gz")}
    for item in api["evidence"]:
        assert evidence[item["id"]] == {"claim": DEMO, **item}
    sources = {r["id"]: r for r in jsonl("sources.jsonl.gz")}
    for item in api["evidence"]:
        detail = client.get(item["source"]["api_url"].replace("http://127.0.0.1:8000", "")).json()
        captures = detail.pop("captures")
        assert sources[detail["id"]] == detail
        dumped = {r["id"]: r for r in jsonl("captures.jsonl.gz")}
        files = {r["id"]: r for r in jsonl("artifacts.jsonl.gz")}
        for capture in captures:
            artifacts = capture.pop("artifacts")
            row = dumped[capture["id"]]
            assert row["source_id"] == detail["id"]
            assert {k: v for k, v in row.items() if k != "source_id"} == {
                k: capture[k] for k in row if k != "source_id"
            }
            for artifact in artifacts:
                assert files[artifact["id"]] == {"capture_id": capture["id"], **artifact}
    entity = client.get("/api/v1/entities/sora").json()
    [dumped_entity] = [r for r in jsonl("entities.jsonl.gz") if r["slug"] == "sora"]
    assert dumped_entity == {k: entity[k] for k in dumped_entity}


def test_the_csv_has_the_same_columns_and_json_text_for_nested_values(demo):
    dumps.write_dump()
    lines = gzip.decompress(stored("claims.csv.gz")).decode().splitlines()
    assert lines[0].split(",")[:3] == ["slug", "statement", "verdict"]
    with default_storage.open(f"dumps/{dumps.latest_folder()}/claims.csv.gz", "rb") as handle:
        rows = list(dumps.read_rows(handle, "csv"))
    [row] = [r for r in rows if r["slug"] == DEMO]
    [api_row] = [r for r in jsonl("claims.jsonl.gz") if r["slug"] == DEMO]
    assert json.loads(row["models"]) == api_row["models"]
    assert row["first_seen"] == (api_row["first_seen"] or "")


def test_only_published_data_is_dumped():
    public = ClaimFactory(slug="public-claim")
    shown = EvidenceFactory(claim=public)
    hidden_item = EvidenceFactory(claim=public, state="pending", published_at=None)
    draft = ClaimFactory(slug="draft-claim", draft=True)
    on_draft = EvidenceFactory(claim=draft)
    dumps.write_dump()
    assert [r["slug"] for r in jsonl("claims.jsonl.gz")] == ["public-claim"]
    assert [r["id"] for r in jsonl("evidence.jsonl.gz")] == [shown.pk]
    source_ids = {r["id"] for r in jsonl("sources.jsonl.gz")}
    assert shown.source_id in source_ids
    assert hidden_item.source_id not in source_ids and on_draft.source_id not in source_ids
    body = b"".join(stored(f["name"]) for f in dumps.latest_manifest()["files"])
    assert b"draft-claim" not in gzip.decompress(stored("claims.csv.gz"))
    assert body  # the files exist; their contents were checked above


def test_latest_addresses_serve_the_newest_dump_and_the_data_page_lists_it(client):
    ClaimFactory(slug="first")
    dumps.write_dump(now=timezone.now() - timedelta(days=1))
    ClaimFactory(slug="second")
    manifest = dumps.write_dump()
    response = client.get("/data/dumps/latest/claims.jsonl.gz")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == next(
        f["sha256"] for f in manifest["files"] if f["name"] == "claims.jsonl.gz"
    )
    assert len(gzip.decompress(body).splitlines()) == 2
    listed = client.get("/data/dumps/latest/manifest.json")
    assert json.loads(b"".join(listed.streaming_content)) == manifest
    older = dumps.dump_folders()[0]
    response = client.get(f"/data/dumps/{older}/claims.jsonl.gz")
    assert len(gzip.decompress(b"".join(response.streaming_content)).splitlines()) == 1
    page = client.get("/data/").content.decode()
    for entry in manifest["files"]:
        assert f"/data/dumps/latest/{entry['name']}" in page
        assert entry["sha256"] in page
    assert "/data/format/" in page


@pytest.mark.parametrize(
    "path", ["/data/dumps/latest/secret.txt", "/data/dumps/latest/..%2Fdb.sqlite3",
             "/data/dumps/1999-01-01T000000Z/claims.csv.gz", "/data/dumps/latest/nothing.csv.gz"]
)  # fmt: skip
def test_anything_else_under_dumps_is_a_404(client, path):
    dumps.write_dump()
    assert client.get(path).status_code == 404


def test_before_the_first_dump_the_data_page_says_so(client):
    assert client.get("/data/dumps/latest/claims.csv.gz").status_code == 404
    assert "No dump has been written yet" in client.get("/data/").content.decode()


def test_the_dumps_section_of_the_data_page_is_in_french(client):
    """The section's strings were missing from the French catalogue: /fr/data/ showed them in English."""
    before = client.get("/fr/data/").content.decode()
    assert "Exports quotidiens" in before and "Aucun export n’a encore été écrit" in before
    assert "Daily dumps" not in before and "No dump has been written yet" not in before
    ClaimFactory()
    dumps.write_dump()
    after = client.get("/fr/data/").content.decode()
    assert "Produit le " in after and ">Lignes<" in after and "Every published record" not in after


def test_the_newest_dump_and_the_30_before_it_are_kept():
    start = timezone.now() - timedelta(days=40)
    for day in range(33):
        dumps.write_dump(now=start + timedelta(days=day))
    folders = dumps.dump_folders()
    assert len(folders) == 31
    assert folders[-1] == dumps.latest_folder() == dumps.folder_name(start + timedelta(days=32))


def test_another_app_adds_a_record_type(monkeypatch):
    ClaimFactory(slug="one")
    real = list(apps.get_app_configs())
    plugin = SimpleNamespace(name="tests.ledgerdata.plugin")
    monkeypatch.setattr(apps, "get_app_configs", lambda: [*real, plugin])
    assert "mentions" in [r.name for r in record_types()]
    manifest = dumps.write_dump()
    assert {"mentions.csv.gz", "mentions.jsonl.gz"} <= {f["name"] for f in manifest["files"]}
    assert jsonl("mentions.jsonl.gz") == [{"claim": "one", "relation": "about"}]


def test_a_row_that_does_not_match_its_columns_stops_the_dump():
    broken = RecordType("broken", ("a", "b"), lambda: iter([{"a": 1}]))
    with pytest.raises(ValueError, match="broken row has the fields"):
        dumps.write_record_type(broken, "dumps/broken", default_storage)


def test_the_columns_are_the_serializers_keys():
    columns = {r.name: r.columns for r in records.core_record_types()}
    assert columns["claims"][:2] == ("slug", "statement")
    assert columns["evidence"][0] == "claim"
    assert set(serializers.entity_ref(EntityFactory.build(slug="x"))) <= set(columns["entities"])


def test_a_daily_beat_task_writes_the_dump():
    entry = settings.CELERY_BEAT_SCHEDULE["ledger-dumps"]
    assert entry["task"] == "ledgerdata.write_dumps"
    celery_app.loader.import_default_modules()  # what a worker does at start
    assert "ledgerdata.write_dumps" in celery_app.tasks
    ClaimFactory(slug="by-task")
    assert celery_app.tasks["ledgerdata.write_dumps"].apply().get() >= 12
    assert [r["slug"] for r in jsonl("claims.jsonl.gz")] == ["by-task"]


def _populate(n: int) -> None:
    sources = Source.objects.bulk_create(
        SourceFactory.build(url=f"https://m.example/{i}", normalized_url=f"https://m.example/{i}")
        for i in range(n)
    )
    claims = Claim.objects.bulk_create(
        ClaimFactory.build(slug=f"m-{i}", statement=f"Model {i} was trained on set {i}.")
        for i in range(n)
    )
    Evidence.objects.bulk_create(
        EvidenceFactory.build(claim=c, source=s) for c, s in zip(claims, sources, strict=True)
    )


def _peak(n: int) -> int:
    _populate(n)
    dumps.write_dump()  # warm up: imports, templates and caches are loaded once, not measured
    tracemalloc.start()
    try:
        dumps.write_dump()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_when_the_data_grows_tenfold(monkeypatch):
    monkeypatch.setattr(records, "CHUNK", 100)
    small = _peak(300)
    Evidence.objects.all().delete()
    Claim.objects.all().delete()
    Source.objects.all().delete()
    large = _peak(3000)
    manifest = dumps.latest_manifest()
    assert {f["name"]: f["rows"] for f in manifest["files"]}["evidence.jsonl.gz"] == 3000
    print(f"tracemalloc peak: {small} bytes for N, {large} bytes for 10 N")
    # Ten times the rows; the peak is that of one chunk, not of the whole table.
    assert large < small * 1.5, (small, large)
