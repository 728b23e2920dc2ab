"""Relations in the JSON API (issue 12): the public read and the workspace's writes.

The read answers for a published claim only (drafts, pending, rejected and withdrawn
links are 404 to everyone); the writes take a token and run the relation editor's
services and permission checks, through the claim's one publication action.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from app.accounts.services import token_create
from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import AuditEntry, Claim, Evidence
from app.graph.models import Relation
from app.graph.services import dataset_for, relation_add
from tests.factories import ClaimFactory, EntityFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

EVIDENCE = {
    "url": "https://research.example/llama-paper",
    "kind": "developer_statement",
    "stance": "supports",
    "summary": "The paper lists Books3 among the pre-training data.",
}


@pytest.fixture
def ends() -> dict[str, Any]:
    return {
        "book": EntityFactory(kind=EntityKind.WORK, name="The Sea Inside", slug="the-sea-inside"),
        "books3": EntityFactory(kind=EntityKind.DATASET, name="Books3", slug="books3"),
        "llama": EntityFactory(kind=EntityKind.MODEL, name="LLaMA", slug="llama"),
    }


def secret(user: Any) -> str:
    return str(token_create(user=user, name="bot").secret)


def post(client: Client, url: str, body: Any, user: Any | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret(user)}"} if user else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **headers)


def use_body(**extra: Any) -> dict[str, Any]:
    body = {"kind": "use", "from": "books3", "to": "llama", "stage": "pretraining",
            "attribution": "declared", "evidence": EVIDENCE}  # fmt: skip
    return {**body, **extra}


def linked(state: str, ends: dict[str, Any], actor: Any = None) -> Relation:
    at = (
        timezone.now()
        if state in (PublicationState.PUBLISHED, PublicationState.WITHDRAWN)
        else None
    )
    claim = ClaimFactory(state=state, published_at=at, created_by=actor)
    return relation_add(claim=claim, kind="membership", upstream=ends["book"],
                        downstream=ends["books3"], actor=actor)  # fmt: skip


# --- Read -----------------------------------------------------------------------------


def test_a_published_relation_reads_with_its_claim_verdict_and_published_evidence(
    client: Client, ends: dict[str, Any]
) -> None:
    relation = linked(PublicationState.PUBLISHED, ends)
    shown = EvidenceFactory(claim=relation.claim, summary="Listed in the index file.")
    EvidenceFactory(claim=relation.claim, state=PublicationState.PENDING, summary="Hidden-item")
    response = client.get(f"/api/v1/relations/{relation.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == relation.pk and body["kind"] == "membership"
    assert body["from"]["slug"] == "the-sea-inside" and body["to"]["slug"] == "books3"
    assert body["verdict"] == relation.claim.verdict
    assert body["evidence_strength"] == relation.claim.evidence_strength
    assert body["claim"]["slug"] == relation.claim.slug and body["claim"]["evidence_count"] == 1
    assert [item["id"] for item in body["evidence"]] == [shown.pk]
    assert b"Hidden-" not in response.content
    assert body["api_url"].endswith(f"/api/v1/relations/{relation.pk}")


@pytest.mark.parametrize(
    "state",
    [PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED,
     PublicationState.WITHDRAWN],
)  # fmt: skip
def test_an_unpublished_relation_is_a_404_even_to_its_author_and_editors(
    client: Client, ends: dict[str, Any], carol: Any, alice: Any, state: str
) -> None:
    relation = linked(state, ends, actor=carol)
    for who in (None, carol, alice):
        if who is not None:
            client.force_login(who)
        response = client.get(f"/api/v1/relations/{relation.pk}")
        assert response.status_code == 404
        assert response.json()["error"]["status"] == 404
    assert client.get("/api/v1/relations/999999").status_code == 404


def test_the_read_address_takes_no_writes(client: Client, ends: dict[str, Any]) -> None:
    relation = linked(PublicationState.PUBLISHED, ends)
    assert client.post(f"/api/v1/relations/{relation.pk}").status_code == 405


# --- Create ---------------------------------------------------------------------------


def test_creating_a_relation_makes_a_draft_claim_with_its_evidence_and_audit_entries(
    client: Client, ends: dict[str, Any], alice: Any
) -> None:
    response = post(client, "/api/v1/relations", use_body(note="Table 1."), alice)
    assert response.status_code == 201, response.content
    body = response.json()
    relation = Relation.objects.get(pk=body["id"])
    assert body["created"] is True and body["kind"] == "use"
    assert body["stage"] == "pretraining" and body["attribution"] == "declared"
    assert body["claim"]["state"] == PublicationState.DRAFT
    claim = relation.claim
    assert claim.statement == "Books3 was used to train LLaMA"
    assert list(claim.models_named.all()) == [ends["llama"]]
    assert list(claim.content_named.all()) == [ends["books3"]]
    assert Evidence.objects.get(claim=claim).state == PublicationState.DRAFT
    added = AuditEntry.objects.get(action="relation.add", target_id=str(relation.pk))
    assert added.actor == alice and added.after["claim"] == claim.slug
    # A draft is never public: not in the read API, nor in the exports.
    assert client.get(f"/api/v1/relations/{relation.pk}").status_code == 404
    assert b"books3" not in client.get("/api/v1/exports/relations.csv").getvalue()


def test_a_relation_on_an_existing_claim_needs_no_evidence_and_a_repeat_is_a_200(
    client: Client, ends: dict[str, Any], alice: Any, carol: Any
) -> None:
    claim = ClaimFactory(draft=True, created_by=carol, statement="Given statement.")
    body = {"claim": claim.slug, "kind": "membership", "from": "The Sea Inside", "to": "books3"}
    first = post(client, "/api/v1/relations", body, alice)
    assert first.status_code == 201, first.content
    again = post(client, "/api/v1/relations", body, alice)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    assert Relation.objects.filter(claim=claim).count() == 1
    assert AuditEntry.objects.filter(action="relation.add").count() == 1
    assert not Claim.objects.exclude(pk=claim.pk).exists()


def test_a_membership_names_a_dataset_version_by_its_number(
    client: Client, ends: dict[str, Any], alice: Any, tmp_path: Any
) -> None:
    from app.graph.services import version_create

    index = tmp_path / "books3.csv"
    index.write_text("isbn,title\n9780306406157,The Sea Inside\n")
    dataset = dataset_for(ends["books3"])
    version = version_create(dataset=dataset, path=index, file_name="books3.csv",
                             source_url="https://data.example/books3.csv", actor=alice).version  # fmt: skip
    body = {"kind": "membership", "from": "the-sea-inside", "to": "books3", "evidence": EVIDENCE}
    ok = post(client, "/api/v1/relations", {**body, "dataset_version": version.number}, alice)
    assert ok.status_code == 201, ok.content
    assert Relation.objects.get(pk=ok.json()["id"]).dataset_version == version
    missing = post(client, "/api/v1/relations", {**body, "dataset_version": 7}, alice)
    assert missing.status_code == 400
    assert "no version 7" in missing.json()["error"]["fields"]["dataset_version"][0]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"evidence": None}, "evidence", "required"),
        ({"from": "the-sea-inside"}, None, "use goes from a dataset to an AI model"),
        ({"from": "nobody-at-all"}, "from", "No entity is named"),
        ({"attribution": ""}, "attribution", "declared"),
        ({"stage": "sometime"}, "stage", "valid choice"),
        ({"kind": "friendship"}, "kind", "valid choice"),
        ({"colour": "red"}, "colour", "Unknown field"),
        ({"note": ["a", "list"]}, "note", "Give a string"),
        ({"claim": 12}, "claim", "slug"),
        ({"dataset_version": "v1"}, "dataset_version", "number"),
        ({"dataset_version": 10**20}, "dataset_version", "no version"),
        ({"evidence": "a string"}, None, "Give the evidence as an object"),
        ({"evidence": {**EVIDENCE, "url": "not an address"}}, "evidence.url", ""),
        ({"evidence": {**EVIDENCE, "stance": "maybe"}}, "evidence.stance", "valid choice"),
        ({"evidence": {**EVIDENCE, "bogus": 1}}, "evidence.bogus", "Unknown field"),
        ({"statement": "x" * 401}, "statement", "400"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_writes_nothing(
    client: Client, ends: dict[str, Any], alice: Any, body: dict[str, Any], field: str | None,
    words: str,
) -> None:  # fmt: skip
    sent = {k: v for k, v in use_body(**body).items() if v is not None}
    response = post(client, "/api/v1/relations", sent, alice)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    text = json.dumps(error)
    assert error["message"] and words in text
    if field is not None:
        assert field in error["fields"]
    assert not Relation.objects.exists() and not Claim.objects.exists()


@pytest.mark.parametrize("raw", ["{", "[]", "null", '{"kind": "use", "from": {"a": 1}}'])
def test_malformed_bodies_are_400s(
    client: Client, ends: dict[str, Any], alice: Any, raw: str
) -> None:
    assert post(client, "/api/v1/relations", raw, alice).status_code == 400


def test_a_statement_with_an_existing_claim_is_refused(
    client: Client, ends: dict[str, Any], alice: Any
) -> None:
    claim = ClaimFactory(draft=True)
    response = post(client, "/api/v1/relations", use_body(claim=claim.slug, statement="x"), alice)
    assert response.status_code == 400 and "statement" in response.json()["error"]["fields"]


def test_writes_need_a_token_of_someone_allowed(
    client: Client, ends: dict[str, Any], carol: Any, mallory: Any
) -> None:
    assert post(client, "/api/v1/relations", use_body(), None).status_code == 401
    assert post(client, "/api/v1/relations", use_body(), carol).status_code == 403
    assert post(client, "/api/v1/relations", use_body(), mallory).status_code == 403
    client.force_login(carol)  # a session never authenticates a write
    assert client.post("/api/v1/relations", json.dumps(use_body()),
                       content_type="application/json").status_code == 401  # fmt: skip
    assert client.get("/api/v1/relations").status_code == 405
    assert not Relation.objects.exists()


def test_an_unknown_claim_is_a_404(client: Client, ends: dict[str, Any], alice: Any) -> None:
    response = post(client, "/api/v1/relations", use_body(claim="no-such-claim"), alice)
    assert response.status_code == 404


def test_the_api_needs_the_role_that_creates_claims(
    client: Client, ends: dict[str, Any], alice: Any
) -> None:
    from django.contrib.auth.models import Permission

    alice.user_permissions.add(Permission.objects.get(codename="use_api"))
    alice.groups.clear()
    response = post(client, "/api/v1/relations", use_body(), alice)
    assert response.status_code == 403 and not Claim.objects.exists()


# --- Evidence, publish, withdraw, remove ------------------------------------------------


def test_evidence_on_a_relation_goes_to_its_claim(
    client: Client, ends: dict[str, Any], alice: Any, carol: Any
) -> None:
    relation = linked(PublicationState.DRAFT, ends, actor=carol)
    response = post(client, f"/api/v1/relations/{relation.pk}/evidence", EVIDENCE, alice)
    assert response.status_code == 201, response.content
    item = Evidence.objects.get(pk=response.json()["id"])
    assert item.claim == relation.claim and item.state == PublicationState.DRAFT
    bad = post(client, f"/api/v1/relations/{relation.pk}/evidence", {"url": "x"}, alice)
    assert bad.status_code == 400 and "kind" in bad.json()["error"]["fields"]
    assert post(client, "/api/v1/relations/999999/evidence", EVIDENCE, alice).status_code == 404


def test_publishing_a_relation_publishes_its_claim_through_the_one_action(
    client: Client, ends: dict[str, Any], alice: Any, pat: Any
) -> None:
    created = post(client, "/api/v1/relations", use_body(), pat).json()
    url = f"/api/v1/relations/{created['id']}"
    refused = post(client, url + "/publish", {}, alice)
    assert refused.status_code == 403 and refused.json()["error"]["message"]
    response = post(client, url + "/publish", {}, pat)
    assert response.status_code == 200, response.content
    assert response.json()["claim"]["state"] == PublicationState.PUBLISHED
    claim = Claim.objects.get(slug=created["claim"]["slug"])
    assert AuditEntry.objects.filter(action="claim.publish", target_id=str(claim.pk)).exists()
    shown = client.get(url)
    assert shown.status_code == 200 and [e["summary"] for e in shown.json()["evidence"]] == [
        EVIDENCE["summary"]
    ]
    again = post(client, url + "/publish", {}, pat)
    assert again.status_code in (403, 409) and again.json()["error"]["message"]


def test_withdrawing_a_relation_takes_its_claim_off_with_a_reason(
    client: Client, ends: dict[str, Any], pat: Any, bob: Any
) -> None:
    relation = linked(PublicationState.PUBLISHED, ends)
    url = f"/api/v1/relations/{relation.pk}"
    assert post(client, url + "/withdraw", {"reason": "Wrong"}, pat).status_code == 403
    assert post(client, url + "/withdraw", {}, bob).status_code == 400
    response = post(client, url + "/withdraw", {"reason": "The index was misread."}, bob)
    assert response.status_code == 200, response.content
    assert response.json()["claim"]["state"] == PublicationState.WITHDRAWN
    assert response.json()["state_reason"] == "The index was misread."
    assert client.get(url).status_code == 404
    assert post(client, url + "/withdraw", {"reason": "Again"}, bob).status_code == 409


def test_removing_a_draft_relation_needs_no_reason_and_is_audited(
    client: Client, ends: dict[str, Any], alice: Any, carol: Any
) -> None:
    relation = linked(PublicationState.DRAFT, ends, actor=carol)
    response = post(client, f"/api/v1/relations/{relation.pk}/remove", {}, alice)
    assert response.status_code == 200, response.content
    assert response.json()["removed"] is True and not Relation.objects.exists()
    entry = AuditEntry.objects.get(action="relation.remove", target_id=str(relation.pk))
    assert entry.actor == alice and entry.before["upstream"] == "the-sea-inside"
    assert post(client, f"/api/v1/relations/{relation.pk}/remove", {}, alice).status_code == 404


def test_a_published_relation_is_removed_by_a_moderator_with_a_reason_only(
    client: Client, ends: dict[str, Any], alice: Any, bob: Any
) -> None:
    relation = linked(PublicationState.PUBLISHED, ends)
    url = f"/api/v1/relations/{relation.pk}/remove"
    refused = post(client, url, {"reason": "Wrong book."}, alice)
    assert refused.status_code == 403 and "moderator" in refused.json()["error"]["message"]
    no_reason = post(client, url, {}, bob)
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    assert Relation.objects.filter(pk=relation.pk).exists()
    response = post(client, url, {"reason": "Wrong book."}, bob)
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="relation.remove", target_id=str(relation.pk))
    assert entry.reason == "Wrong book." and entry.actor == bob
    assert client.get(f"/api/v1/relations/{relation.pk}").status_code == 404


def test_the_openapi_document_describes_the_relation_endpoints(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "patch"} <= set(paths["/relations/{id}"])
    assert "post" in paths["/relations"]
    for action in ("evidence", "submit", "publish", "withdraw", "remove"):
        assert "post" in paths[f"/relations/{{id}}/{action}"]
