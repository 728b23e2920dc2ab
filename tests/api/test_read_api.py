"""The read side of JSON API v1: published data only, JSON errors, an OpenAPI document that holds."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator

from app.api.openapi import document
from app.catalog.services import verdict_set
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory
from tests.public.world import grow, make_world

pytestmark = pytest.mark.django_db


def schema_check(data: dict, name: str) -> None:
    doc = document()
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{name}", **doc})
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, errors[0]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_the_openapi_document_is_valid_openapi_3_1(client):
    validate_spec = pytest.importorskip("openapi_spec_validator").validate
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate_spec(spec)
    assert spec["openapi"] == "3.1.0"
    for path in ("/claims", "/claims/{slug}", "/entities/{slug}", "/sources/{id}"):
        assert "get" in spec["paths"][path]


def test_the_claim_list_is_published_claims_with_next_links(client):
    make_world()
    ClaimFactory.create_batch(3)
    ClaimFactory(draft=True, statement="A draft.")
    body = client.get("/api/v1/claims?page_size=2").json()
    schema_check(body, "ClaimPage")
    assert body["count"] == 4 and body["pages"] == 2 and body["previous"] is None
    second = client.get(path_of(body["next"])).json()
    assert second["next"] is None and second["previous"].endswith("page=1")
    statements = [c["statement"] for c in body["results"] + second["results"]]
    assert "A draft." not in statements and len(statements) == 4


def test_the_claim_list_takes_the_same_filters_and_search_as_the_site(client):
    world = make_world()
    ClaimFactory(statement="Refuted Blockcraft claim.", verdict="refuted")
    body = client.get("/api/v1/claims?q=blockcraft&verdict=supported").json()
    assert [c["slug"] for c in body["results"]] == [world.claim.slug]
    body = client.get("/api/v1/claims?model=vidgen&developer=frontier").json()
    [claim] = body["results"]
    assert claim["models"][0]["slug"] == "vidgen"
    assert claim["content"][0]["slug"] == "blockcraft"
    assert claim["evidence_count"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "verdict=nope",
        "page_size=500",
        "page=0",
        "model=ghost",
        "since=2025-13-01",
        "sort=shuffle",
    ],
)
def test_a_bad_filter_is_a_json_400_with_a_message(client, query):
    response = client.get(f"/api/v1/claims?{query}")
    assert response.status_code == 400
    body = response.json()
    schema_check(body, "Error")
    assert body["error"]["status"] == 400 and body["error"]["message"]


def test_unknown_addresses_are_json_404s(client):
    ClaimFactory(draft=True, slug="draft")
    for url in (
        "/api/v1/claims/draft",
        "/api/v1/claims/ghost",
        "/api/v1/entities/ghost",
        "/api/v1/sources/999",
        "/api/v1/nothing-here",
        "/api/v1/claims?page=5",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["status"] == 404


def test_writing_to_a_read_endpoint_is_a_json_405(client):
    response = client.post("/api/v1/claims", {})
    assert response.status_code == 405
    assert response.json()["error"]["status"] == 405


def test_a_claim_has_its_evidence_sources_archives_and_verdict_history(client):
    world = make_world()
    EvidenceFactory(claim=world.claim, state="draft", published_at=None, summary="Hidden item.")
    verdict_set(claim=world.claim, verdict="confirmed", note="The developer confirmed.", actor=None)
    body = client.get(f"/api/v1/claims/{world.claim.slug}").json()
    schema_check(body, "ClaimDetail")
    assert body["verdict"] == "confirmed"
    assert [c["new_verdict"] for c in body["verdict_history"]] == ["supported", "confirmed"]
    assert len(body["evidence"]) == 2
    assert "Hidden item." not in str(body)
    item = body["evidence"][0]
    assert item["archived_copy"]["manifest_sha256"] == "ab" * 32
    assert item["source"]["archived_copy_url"].endswith(f"/sources/{item['source']['id']}/")


def test_an_entity_lists_its_claims_by_verdict_and_its_relations(client):
    world = make_world()
    grow(world, 2)
    model = client.get("/api/v1/entities/vidgen").json()
    schema_check(model, "Entity")
    assert model["developer"]["slug"] == "frontier"
    assert model["claim_count"] == 3
    assert set(model["claims"]) == {"supported", "disputed"}
    work = client.get("/api/v1/entities/blockcraft").json()
    assert work["models_said_trained_on_it"][0]["slug"] == "vidgen"
    assert work["models_said_trained_on_it"][0]["claim_count"] == 3
    developer = client.get("/api/v1/entities/frontier").json()
    assert [m["slug"] for m in developer["models_developed"]] == ["vidgen"]


def test_a_source_lists_its_captures_and_files_that_download_with_their_hash(client):
    world = make_world()
    source_id = world.claim.evidence.first().source_id
    body = client.get(f"/api/v1/sources/{source_id}").json()
    schema_check(body, "Source")
    [capture] = body["captures"]
    names = {a["name"]: a for a in capture["artifacts"]}
    text = names["text.txt"]
    assert text["kind"] == "text" and text["size"] > 0
    download = client.get(path_of(text["download_url"]))
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == text["sha256"]
    assert len(data) == text["size"]


def test_a_source_cited_only_by_drafts_is_not_served(client):
    item = EvidenceFactory(state="draft", published_at=None)
    CaptureFactory(source=item.source)
    assert client.get(f"/api/v1/sources/{item.source_id}").status_code == 404
