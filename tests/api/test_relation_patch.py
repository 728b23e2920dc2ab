"""``PATCH /api/v1/relations/{id}``: the relation editor's Edit, for scripts.

The body names only what changes; the rest is the relation's own. It runs the editor's
form (`RelationEditForm`) and `graph.services.relation_update`, after
`access.access_claim(write=True)`: who may change the claim may change its links; once
the claim has left the draft a "reason" is required, kept in the ``relation.change``
audit entry, and the claim's state does not move (a published link stays public, with
its new fields). Bad input is a 400 naming the field, a link the claim already asserts
a 409, and neither writes anything.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from app.accounts.services import token_create
from app.catalog.choices import EntityKind
from app.catalog.models import AuditEntry, Claim, Entity
from app.graph.models import Relation
from app.graph.services import dataset_for, relation_add, relation_facts, version_create
from tests.factories import ClaimFactory, EntityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ends() -> dict[str, Entity]:
    return {
        "book": EntityFactory(kind=EntityKind.WORK, name="The Sea Inside", slug="the-sea-inside"),
        "other": EntityFactory(kind=EntityKind.WORK, name="Salt Roads", slug="salt-roads"),
        "books3": EntityFactory(kind=EntityKind.DATASET, name="Books3", slug="books3"),
        "pile": EntityFactory(kind=EntityKind.DATASET, name="The Pile", slug="the-pile"),
        "llama": EntityFactory(kind=EntityKind.MODEL, name="LLaMA", slug="llama"),
    }


def secret(user: Any) -> str:
    return str(token_create(user=user, name="bot").secret)


def patch(client: Client, pk: int, body: Any, user: Any | None, content_type: str = "") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret(user)}"} if user else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    kind = content_type or "application/json"
    return client.generic("PATCH", f"/api/v1/relations/{pk}", data, content_type=kind, **headers)


def claim_in(state: str, author: Any = None) -> Claim:
    at = timezone.now() if state in ("published", "withdrawn") else None
    return ClaimFactory(state=state, published_at=at, created_by=author)


def membership(claim: Claim, ends: dict[str, Entity], **extra: Any) -> Relation:
    return relation_add(claim=claim, kind="membership", upstream=ends["book"],
                        downstream=ends["books3"], actor=claim.created_by, **extra)  # fmt: skip


def use(claim: Claim, ends: dict[str, Entity]) -> Relation:
    return relation_add(claim=claim, kind="use", upstream=ends["books3"], downstream=ends["llama"],
                        stage="pretraining", attribution="alleged", actor=claim.created_by)  # fmt: skip


def facts(relation: Relation) -> dict[str, Any]:
    return relation_facts(Relation.objects.get(pk=relation.pk))


def changes() -> int:
    return AuditEntry.objects.filter(action="relation.change").count()


def with_api(user: Any) -> Any:
    user.user_permissions.add(Permission.objects.get(codename="use_api"))
    return type(user).objects.get(pk=user.pk)


# --- Changes ----------------------------------------------------------------------------


def test_an_editor_changes_a_draft_links_fields_and_the_change_is_audited(
    client: Client, ends: dict[str, Entity], alice: Any, carol: Any
) -> None:
    relation = use(claim_in("draft", carol), ends)
    response = patch(client, relation.pk, {"stage": "finetuning", "note": "Table 2."}, alice)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == relation.pk and body["stage"] == "finetuning"
    assert body["note"] == "Table 2." and body["attribution"] == "alleged"
    assert body["from"]["slug"] == "books3" and body["to"]["slug"] == "llama"
    assert body["claim"]["state"] == "draft"
    stored = facts(relation)
    assert stored["stage"] == "finetuning" and stored["note"] == "Table 2."
    entry = AuditEntry.objects.get(action="relation.change", target_id=str(relation.pk))
    assert entry.actor == alice and entry.reason == ""
    assert entry.before == {"claim": relation.claim.slug, "stage": "pretraining", "note": ""}
    assert entry.after == {"claim": relation.claim.slug, "stage": "finetuning",
                           "note": "Table 2."}  # fmt: skip


def test_a_contributor_changes_her_own_draft_link_by_name(
    client: Client, ends: dict[str, Entity], carol: Any
) -> None:
    carol = with_api(carol)
    relation = membership(claim_in("draft", carol), ends)
    response = patch(client, relation.pk, {"from": "Salt Roads", "to": "the-pile"}, carol)
    assert response.status_code == 200, response.content
    stored = facts(relation)
    assert stored["upstream"] == "salt-roads" and stored["downstream"] == "the-pile"


def test_a_published_link_is_changed_with_a_reason_and_stays_published(
    client: Client, ends: dict[str, Entity], alice: Any
) -> None:
    relation = membership(claim_in("published"), ends)
    refused = patch(client, relation.pk, {"note": "Listed twice."}, alice)
    assert refused.status_code == 400, refused.content
    assert refused.json()["error"]["fields"]["reason"] == ["This field is required."]
    assert facts(relation)["note"] == "" and changes() == 0
    response = patch(client, relation.pk, {"note": "Listed twice.", "reason": "Index v2."}, alice)
    assert response.status_code == 200, response.content
    assert response.json()["claim"]["state"] == "published"
    assert Claim.objects.get(pk=relation.claim_id).state == "published"
    entry = AuditEntry.objects.get(action="relation.change", target_id=str(relation.pk))
    assert entry.reason == "Index v2." and entry.actor == alice


@pytest.mark.django_db(transaction=True)
def test_readers_see_a_published_links_change_once_committed(
    client: Client, ends: dict[str, Entity], alice: Any, settings: Any
) -> None:
    """The read is cached; the edit's commit makes that copy out of date (served stale
    only with render-ahead, CACHE_STALE_SECONDS, which is off here)."""
    settings.CACHE_STALE_SECONDS = 0
    relation = membership(claim_in("published"), ends)
    url = f"/api/v1/relations/{relation.pk}"
    assert client.get(url).json()["note"] == ""
    response = patch(client, relation.pk, {"note": "Listed twice.", "reason": "Index v2."}, alice)
    assert response.status_code == 200, response.content
    shown = client.get(url)
    assert shown.status_code == 200 and shown.json()["note"] == "Listed twice."


def test_a_pending_link_needs_a_reason_and_is_no_longer_its_contributors_to_change(
    client: Client, ends: dict[str, Entity], alice: Any, carol: Any
) -> None:
    relation = membership(claim_in("pending", carol), ends)
    refused = patch(client, relation.pk, {"note": "x", "reason": "y"}, with_api(carol))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert patch(client, relation.pk, {"note": "x"}, alice).status_code == 400
    ok = patch(client, relation.pk, {"note": "x", "reason": "Typo."}, alice)
    assert ok.status_code == 200 and ok.json()["claim"]["state"] == "pending"
    assert changes() == 1


def test_a_use_becomes_a_membership_once_its_use_fields_are_emptied(
    client: Client, ends: dict[str, Entity], alice: Any
) -> None:
    relation = use(claim_in("draft", alice), ends)
    change = {"kind": "membership", "from": "the-sea-inside", "to": "books3"}
    kept = patch(client, relation.pk, change, alice)  # the stage would be kept: refused
    assert kept.status_code == 400 and "stage" in kept.json()["error"]["fields"]
    assert facts(relation)["kind"] == "use"
    response = patch(client, relation.pk, {**change, "stage": None, "attribution": None}, alice)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "membership" and body["stage"] is None and body["attribution"] is None


def test_a_dataset_version_is_set_by_number_and_emptied_with_null(
    client: Client, ends: dict[str, Entity], alice: Any, tmp_path: Any
) -> None:
    index = tmp_path / "books3.csv"
    index.write_text("isbn,title\n9780306406157,The Sea Inside\n")
    version = version_create(dataset=dataset_for(ends["books3"]), path=index,
                             file_name="books3.csv", source_url="https://data.example/b3.csv",
                             actor=alice).version  # fmt: skip
    relation = membership(claim_in("draft", alice), ends)
    response = patch(client, relation.pk, {"dataset_version": version.number}, alice)
    assert response.status_code == 200 and response.json()["dataset_version"] == version.number
    assert Relation.objects.get(pk=relation.pk).dataset_version == version
    # Moving the link to another dataset keeps a version of the old one: refused.
    moved = patch(client, relation.pk, {"to": "the-pile"}, alice)
    assert moved.status_code == 400 and "another dataset" in json.dumps(moved.json())
    cleared = patch(client, relation.pk, {"dataset_version": None}, alice)
    assert cleared.status_code == 200 and cleared.json()["dataset_version"] is None
    assert Relation.objects.get(pk=relation.pk).dataset_version is None


def test_a_link_the_claim_already_asserts_is_a_409(
    client: Client, ends: dict[str, Entity], alice: Any
) -> None:
    claim = claim_in("draft", alice)
    relation = membership(claim, ends)
    relation_add(claim=claim, kind="membership", upstream=ends["other"],
                 downstream=ends["books3"], actor=alice)  # fmt: skip
    response = patch(client, relation.pk, {"from": "salt-roads"}, alice)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "conflict" and "already asserts" in error["message"]
    assert facts(relation)["upstream"] == "the-sea-inside" and changes() == 0


def test_the_same_values_again_change_nothing(
    client: Client, ends: dict[str, Entity], alice: Any
) -> None:
    relation = membership(claim_in("draft", alice), ends)
    response = patch(client, relation.pk, {"kind": "membership", "to": "Books3"}, alice)
    assert response.status_code == 200 and changes() == 0


def test_the_api_records_the_same_audit_entry_as_the_relation_editor(
    client: Client, ends: dict[str, Entity], alice: Any
) -> None:
    by_page = membership(claim_in("published"), ends)
    by_api = membership(claim_in("published"), ends)
    client.force_login(alice)
    form = {"kind": "membership", "upstream": "the-sea-inside", "downstream": "books3",
            "stage": "", "attribution": "", "dataset_version": "", "note": "Page 3.",
            "reason": "Checked the index."}  # fmt: skip
    assert client.post(f"/editor/relations/{by_page.pk}/edit/", form).status_code == 302
    client.logout()
    body = {"note": "Page 3.", "reason": "Checked the index."}
    assert patch(client, by_api.pk, body, alice).status_code == 200
    web = AuditEntry.objects.get(action="relation.change", target_id=str(by_page.pk))
    api = AuditEntry.objects.get(action="relation.change", target_id=str(by_api.pk))
    assert (web.actor, web.reason) == (api.actor, api.reason)
    assert {**web.before, "claim": ""} == {**api.before, "claim": ""}
    assert {**web.after, "claim": ""} == {**api.after, "claim": ""}


# --- Refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, None, "at least one field"),
        ({"reason": "Only a reason."}, None, "at least one field"),
        ({"claim": "another-claim"}, "claim", "Unknown field"),
        ({"colour": "red"}, "colour", "Unknown field"),
        ({"statement": "New words."}, "statement", "Unknown field"),
        ({"kind": "friendship"}, "kind", "valid choice"),
        ({"kind": None}, "kind", "required"),
        ({"kind": "use"}, "stage", "training stage"),
        ({"from": "nobody-at-all"}, "from", "No entity is named"),
        ({"from": ""}, "from", "required"),
        ({"from": "books3"}, None, "membership goes from"),
        ({"to": "the-sea-inside"}, None, "membership goes from"),
        ({"from": "x" * 201}, "from", "200"),
        ({"stage": "sometime"}, "stage", "valid choice"),
        ({"stage": "pretraining"}, "stage", "use relations only"),
        ({"attribution": "rumoured"}, "attribution", "valid choice"),
        ({"dataset_version": "v1"}, "dataset_version", "number"),
        ({"dataset_version": 7}, "dataset_version", "no version 7"),
        ({"dataset_version": 10**20}, "dataset_version", "no version"),
        ({"dataset_version": 1.5}, "dataset_version", "number"),
        ({"note": "x" * 301}, "note", "300"),
        ({"note": ["a", "list"]}, "note", "Give a string"),
        ({"note": {"an": "object"}}, "note", "Give a string"),
        ({"note": True}, "note", "Give a string"),
        ({"kind": 3}, "kind", "valid choice"),
        ({"reason": "x" * 501, "note": "y"}, "reason", "500"),
    ],
)
def test_bad_fields_are_a_400_naming_the_field_and_write_nothing(
    client: Client, ends: dict[str, Entity], alice: Any, body: dict[str, Any],
    field: str | None, words: str,
) -> None:  # fmt: skip
    relation = membership(claim_in("draft", alice), ends)
    before = facts(relation)
    response = patch(client, relation.pk, body, alice)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["message"] and words in json.dumps(error)
    if field is not None:
        assert field in error["fields"], error
    assert facts(relation) == before and changes() == 0


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ("", "application/json", 400),
        ("{", "application/json", 400),
        ("[]", "application/json", 400),
        ("null", "application/json", 400),
        ('"note"', "application/json", 400),
        ("note=x", "application/x-www-form-urlencoded", 415),
        ("note: x", "text/plain", 415),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: Client, ends: dict[str, Entity], alice: Any, raw: str, content_type: str, status: int
) -> None:
    relation = membership(claim_in("draft", alice), ends)
    before = facts(relation)
    response = patch(client, relation.pk, raw, alice, content_type)
    assert response.status_code == status, response.content
    assert response.json()["error"]["message"]
    assert facts(relation) == before and changes() == 0


def test_who_may_not_see_or_change_the_link_is_refused(
    client: Client, ends: dict[str, Entity], alice: Any, carol: Any, dave: Any, mallory: Any
) -> None:
    relation = membership(claim_in("draft", carol), ends)
    body = {"note": "Changed."}
    assert patch(client, relation.pk, body, None).status_code == 401
    assert patch(client, relation.pk, body, mallory).status_code == 403  # no API access
    assert patch(client, relation.pk, body, carol).status_code == 403  # contributors neither
    hidden = patch(client, relation.pk, body, with_api(dave))  # another's draft: not revealed
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    published = membership(claim_in("published", carol), ends)
    assert patch(client, published.pk, body, with_api(dave)).status_code == 403
    assert patch(client, 999999, body, alice).status_code == 404
    client.force_login(alice)  # a session never authenticates a write
    assert client.patch(f"/api/v1/relations/{relation.pk}", json.dumps(body),
                        content_type="application/json").status_code == 401  # fmt: skip
    assert facts(relation)["note"] == "" and changes() == 0


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_are_a_405_listing_get_and_patch(
    client: Client, ends: dict[str, Entity], alice: Any, method: str
) -> None:
    relation = membership(claim_in("published"), ends)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret(alice)}"}
    response = client.generic(method, f"/api/v1/relations/{relation.pk}", "{}",
                              content_type="application/json", **headers)  # fmt: skip
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, PATCH"
    assert response.json()["error"]["message"]
    assert Relation.objects.filter(pk=relation.pk).exists()
