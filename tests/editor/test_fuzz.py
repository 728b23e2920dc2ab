"""Random input to every workspace and account form: never a server error.

Hypothesis posts random field values (and random extra fields and actions)
as the people who may use each form; whatever comes back must be below 500.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.services import claim_create
from app.graph.services import relation_add
from tests.factories import EntityFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "javascript:alert(1)", "file:///etc/passwd", "https://a.example/x",
                     "http://[::1]:80/", "00:12", "1:02:03", "-5", "99999999", "2024-13-45",
                     "<script>alert(1)</script>", "\x00", "model", "supports", "news_report"]),
)  # fmt: skip
FIELDS = [
    "statement", "summary", "first_seen", "language", "developer_response", "models_named",
    "content_named", "action", "url", "kind", "stance", "quote", "locator", "time_start",
    "time_end", "source_kind", "source-title", "source-publisher", "source-published_on",
    "verdict", "note", "strength", "field", "name", "username", "password", "email",
    "password1", "password2", "display_name", "bio", "q_models_named", "q_content_named",
    "new_models_named-name", "new_models_named-kind", "new_models_named-developer",
    "new_content_named-name", "new_content_named-kind", "ctx", "next",
    "upstream", "downstream", "q_upstream", "q_downstream", "dataset_version", "stage",
    "attribution", "reason", "evidence-url", "evidence-kind", "evidence-stance",
]  # fmt: skip
ACTIONS = st.one_of(
    TEXT,
    st.sampled_from(["save", "submit", "preview", "search:models_named", "create:content_named",
                     "create:models_named", "pick:models_named:1", "pick:x:y", "create:zzz",
                     "search:upstream", "pick:downstream:1", "versions"]),
)  # fmt: skip
FORM = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)),
    st.one_of(TEXT, st.lists(TEXT, max_size=3)),
    max_size=12,
).flatmap(lambda d: st.builds(lambda a: {**d, "action": a}, ACTIONS))


def _post(client: Client, url: str, data: dict[str, Any], **extra: Any) -> None:
    response = client.post(url, data, **extra)
    assert response.status_code < 500, (url, data, response.status_code)


@pytest.fixture
def world(alice: Any, bob: Any) -> dict[str, Any]:
    claim = claim_create(actor=alice, statement="Sora was trained on Minecraft footage.")
    item = EvidenceFactory(claim=claim, added_by=alice)
    record = claim.history.first()
    relation = relation_add(claim=claim, kind="membership", actor=alice,
                            upstream=EntityFactory(kind="work", name="Minecraft footage"),
                            downstream=EntityFactory(kind="dataset", name="GameClips"))  # fmt: skip
    return {"claim": claim, "item": item, "source": item.source, "record": record,
            "relation": relation}  # fmt: skip


@FUZZ
@given(data=FORM, htmx=st.booleans())
def test_workspace_forms_never_fail_with_a_server_error(
    client: Client, alice: Any, world: dict[str, Any], data: dict[str, Any], htmx: bool
) -> None:
    client.force_login(alice)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    claim, item, source = world["claim"], world["item"], world["source"]
    urls = [
        reverse("editor:claim_new"),
        reverse("editor:claim_edit", args=[claim.slug]),
        reverse("editor:evidence_create", args=[claim.slug]),
        reverse("editor:evidence_edit", args=[item.pk]),
        reverse("editor:source_lookup"),
        reverse("editor:entity_create") + "?field=content_named",
        reverse("editor:entity_create") + "?field=models_named",
        reverse("editor:preview"),
        reverse("editor:source_retry", args=[source.pk]),
        reverse("editor:claim_restore", args=[claim.slug, world["record"].history_id]),
        reverse("editor:evidence_restore", args=[item.pk, 1]),
        reverse("editor:claim_submit", args=[claim.slug]),
        reverse("accounts:profile"),
        reverse("accounts:tokens"),
        reverse("graph:relation_new"),
        reverse("graph:claim_relation", args=[claim.slug]),
        reverse("graph:relation_edit", args=[world["relation"].pk]),
    ]
    for url in urls:
        _post(client, url, data, **extra)
    versions = {"downstream": data.get("downstream", ""), "dataset_version": data.get("note", "")}
    assert client.get(reverse("graph:relation_versions"), versions).status_code < 500
    for name in ("models_named", "content_named", "upstream", "nope"):
        query = {"field": name, f"q_{name}": data.get("summary", "")}
        assert client.get(reverse("editor:entity_search"), query).status_code < 500


@FUZZ
@given(data=FORM, payload=st.binary(max_size=2048), name=st.text(max_size=30))
def test_moderator_and_upload_forms_never_fail_with_a_server_error(
    client: Client, bob: Any, world: dict[str, Any], data: dict[str, Any], payload: bytes, name: str
) -> None:
    client.force_login(bob)
    claim = world["claim"]
    _post(client, reverse("editor:claim_verdict", args=[claim.slug]), data)
    _post(client, reverse("editor:claim_publish", args=[claim.slug]), data)
    _post(client, reverse("graph:relation_remove", args=[world["relation"].pk]), data)
    # Django refuses to build an upload named "", "/", "." or ".." (before any request).
    base = os.path.basename(name)
    upload = SimpleUploadedFile(base if base not in {"", ".", ".."} else "x", payload)
    _post(
        client, reverse("editor:source_upload", args=[SourceFactory().pk]), {**data, "file": upload}
    )


@FUZZ
@given(data=FORM)
def test_account_forms_never_fail_with_a_server_error(client: Client, data: dict[str, Any]) -> None:
    for url in (
        reverse("accounts:signup"),
        reverse("accounts:login"),
        reverse("accounts:password_reset"),
    ):
        _post(client, url, data, REMOTE_ADDR="10.77.0.1")
    client.logout()
