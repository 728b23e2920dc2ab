"""Relations and index metadata in the API, the exports and the OpenAPI document."""

from __future__ import annotations

import csv
import io
import json

from django.test import Client

from tests.graph.conftest import World


def _body(response) -> str:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content).decode()


def test_a_claim_in_the_api_carries_its_relations(world: World) -> None:
    data = Client().get(f"/api/v1/claims/{world.used.claim.slug}").json()
    assert data["relations"] == [
        {
            "kind": "use",
            "from": {"slug": "the-pile", "name": "The Pile", "kind": "dataset"},
            "to": {"slug": "llama", "name": "LLaMA", "kind": "model"},
            "stage": "pretraining",
            "attribution": "declared",
            "dataset_version": None,
            "note": "",
        },
    ]
    assert Client().get(f"/api/v1/claims/{world.draft_claim.slug}").status_code == 404


def test_a_dataset_entity_carries_its_index_metadata_not_its_rows(indexed: World) -> None:
    data = Client().get("/api/v1/entities/books3").json()
    index = data["dataset_index"]
    assert [v["number"] for v in index["versions"]] == [1]
    assert index["versions"][0]["rows"] == 2 and len(index["versions"][0]["file_sha256"]) == 64
    assert "The Sea Inside" not in json.dumps(data)
    assert Client().get("/api/v1/entities/llama").json()["dataset_index"] is None


def test_exports_list_public_relations_and_versions_only(indexed: World) -> None:
    rows = list(csv.DictReader(io.StringIO(_body(Client().get("/api/v1/exports/relations.csv")))))
    assert len(rows) == 5 and "secret-model" not in {r["to"] for r in rows}
    assert {r["kind"] for r in rows} == {"membership", "derivation", "use"}
    versions = json.loads(_body(Client().get("/api/v1/exports/dataset-versions.json")))
    assert sorted(v["dataset"] for v in versions) == ["books3", "the-pile"]
    assert Client().get("/api/v1/exports/claims.json").status_code == 200  # still the API's


def test_the_openapi_document_describes_the_lookup_and_relations(db: None) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    assert "/lookup" in doc["paths"]
    assert {"Relation", "DatasetIndex", "LookupAnswer"} <= set(doc["components"]["schemas"])
    claim = json.dumps(doc["components"]["schemas"]["ClaimDetail"])
    assert "#/components/schemas/Relation" in claim


def test_the_lookup_answer_conforms_to_its_schema(indexed: World) -> None:
    from openapi_schema_validator import OAS31Validator

    doc = Client().get("/api/v1/openapi.json").json()
    schema = {**doc["components"]["schemas"]["LookupAnswer"], "components": doc["components"]}
    for q in ("0306406152", "Sea Inside", "https://youtu.be/dQw4w9WgXcQ", "nothing here"):
        OAS31Validator(schema).validate(Client().get("/api/v1/lookup", {"q": q}).json())
