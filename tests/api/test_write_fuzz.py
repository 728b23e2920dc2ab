"""Random bodies to every write endpoint: always a JSON answer below 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.accounts.services import token_create
from app.catalog.choices import EntityKind
from app.graph.services import relation_add
from tests.factories import (
    ClaimFactory,
    EntityFactory,
    EvidenceFactory,
    ModelEntityFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KEYS = ["url", "kind", "stance", "summary", "quote", "locator", "time_start", "time_end",
        "source_kind", "verdict", "note", "strength", "from", "to", "stage", "attribution",
        "dataset_version", "reason"]  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
    st.sampled_from(["https://a.example/", "javascript:alert(1)", "00:12", "2:00", "supports",
                     "news_report", "refuted", "strong", "video", "\x00"]),
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
BODY = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), JSON, max_size=8),
    JSON,
)


@pytest.fixture(autouse=True)
def no_rate_limit(settings: Any) -> None:
    """Many requests from one token in a second: the fuzzing is about inputs, not rates."""
    settings.RATELIMIT_ENABLE = False


def _check(response: Any) -> None:
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == "application/json"
    if response.status_code >= 400:
        assert response.json()["error"]["message"]


@FUZZ
@given(body=BODY, raw=st.binary(max_size=512), as_raw=st.booleans())
def test_write_endpoints_answer_random_bodies_without_a_server_error(
    client: Client, bob: Any, body: Any, raw: bytes, as_raw: bool
) -> None:
    secret = token_create(user=bob, name="fuzz").secret
    claim, item, source = ClaimFactory(), EvidenceFactory(), SourceFactory()
    draft = ClaimFactory(draft=True, created_by=bob)
    relation = relation_add(
        claim=ClaimFactory(draft=True, created_by=bob), kind="use", actor=bob,
        upstream=EntityFactory(kind=EntityKind.DATASET), downstream=ModelEntityFactory(),
        stage="pretraining", attribution="alleged",
    )  # fmt: skip
    data = raw if as_raw else json.dumps(body, allow_nan=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    for method, url in [
        ("POST", "/api/v1/sources"),
        ("POST", f"/api/v1/claims/{claim.slug}/evidence"),
        ("POST", f"/api/v1/claims/{claim.slug}/verdict"),
        ("POST", f"/api/v1/claims/{claim.slug}/publish"),
        ("POST", f"/api/v1/claims/{claim.slug}/withdraw"),
        ("PATCH", f"/api/v1/evidence/{item.pk}"),
        ("POST", f"/api/v1/claims/{draft.slug}/submit"),
        ("PATCH", f"/api/v1/relations/{relation.pk}"),
        ("POST", f"/api/v1/relations/{relation.pk}/submit"),
        ("POST", f"/api/v1/sources/{source.pk}/uploads"),
    ]:
        _check(client.generic(method, url, data, content_type="application/json", **headers))


@FUZZ
@given(header=st.text(max_size=80))
def test_random_authorization_headers_are_a_401(client: Client, header: str) -> None:
    response = client.post(
        "/api/v1/sources", b"{}", content_type="application/json", HTTP_AUTHORIZATION=header
    )
    _check(response)
    assert response.status_code == 401
