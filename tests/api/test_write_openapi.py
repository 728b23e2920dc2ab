"""The write endpoints are in the published OpenAPI document, which stays valid."""

from __future__ import annotations

import pytest
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

WRITES = {
    ("/sources", "post"),
    ("/sources/{id}/uploads", "post"),
    ("/claims/{slug}/evidence", "post"),
    ("/claims/{slug}/submit", "post"),
    ("/claims/{slug}/publish", "post"),
    ("/claims/{slug}/withdraw", "post"),
    ("/claims/{slug}/verdict", "post"),
    ("/evidence/{id}", "patch"),
    ("/relations", "post"),
    ("/relations/{id}", "patch"),
    ("/relations/{id}/submit", "post"),
    ("/relations/{id}/evidence", "post"),
    ("/relations/{id}/publish", "post"),
    ("/relations/{id}/withdraw", "post"),
    ("/relations/{id}/remove", "post"),
}


def test_the_schema_lists_every_write_with_token_security(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    for path, method in WRITES:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"token": []}]
        assert {"401", "403", "429"} <= set(operation["responses"])
    assert "get" in document["paths"]["/claims/{slug}"]  # the read side is still there
    sources = document["paths"]["/sources"]["post"]["responses"]
    assert {"200", "201"} <= set(sources)
