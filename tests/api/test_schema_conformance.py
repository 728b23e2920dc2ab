"""The API does what its OpenAPI schema says, and answers every address in JSON."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver

from app.api import urls as api_urls
from app.api.openapi import document
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_every_sort_the_schema_lists_is_accepted_with_and_without_q(client: Client) -> None:
    older = ClaimFactory(slug="older", statement="Older claim about video.")
    newer = ClaimFactory(slug="newer", statement="Newer claim about video.")
    older.published_at = newer.published_at.replace(year=newer.published_at.year - 1)
    older.save()
    [param] = [
        p
        for p in document(server="/api/v1")["paths"]["/claims"]["get"]["parameters"]
        if p["name"] == "sort"
    ]
    sorts = param["schema"]["enum"]
    assert "relevance" in sorts
    for sort in sorts:
        for query in (f"sort={sort}", f"sort={sort}&q=video"):
            response = client.get(f"/api/v1/claims?{query}")
            assert response.status_code == 200, (query, response.content[:200])
    # Without q, relevance is the default order (newest first), as documented.
    plain = client.get("/api/v1/claims").json()["results"]
    relevance = client.get("/api/v1/claims?sort=relevance").json()["results"]
    assert [c["slug"] for c in relevance] == [c["slug"] for c in plain] == ["newer", "older"]
    assert client.get("/claims/?sort=relevance").status_code == 200
    assert client.get("/api/v1/claims?sort=sideways").status_code == 400


def _api_paths() -> list[str]:
    def walk(patterns: list[URLPattern | URLResolver]) -> list[str]:
        found: list[str] = []
        for entry in patterns:
            if isinstance(entry, URLResolver):
                continue
            route = str(entry.pattern)
            if route.startswith("^"):
                continue
            for converter, sample in (("<slug:slug>", "c"), ("<int:pk>", "1"),
                                      ("<slug:dataset>", "claims"), ("<slug:fmt>", "csv")):  # fmt: skip
                route = route.replace(converter, sample)
            found.append("/api/v1/" + route)
        return found

    return walk(api_urls.urlpatterns)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_api_address_answers_a_write_with_the_html_csrf_403(method: str) -> None:
    ClaimFactory(slug="c")
    client = Client(enforce_csrf_checks=True)
    paths = [*_api_paths(), "/api/v1/nothing-here", "/api/v1/claims/c/nothing", "/api/v1/"]
    assert "/api/v1/claims" in paths and "/api/v1/sources" in paths
    for path in paths:
        response = getattr(client, method)(path, b"{}", content_type="application/json")
        assert response["Content-Type"].startswith("application/json"), (path, response)
        assert response.status_code in {400, 401, 404, 405, 415}, (path, response.status_code)
        assert response.json()["error"]["status"] == response.status_code


def test_an_unknown_address_is_a_json_404_for_any_method() -> None:
    client = Client(enforce_csrf_checks=True)
    for method in ("get", "post", "delete"):
        response = getattr(client, method)("/api/v1/no/such/thing")
        assert response.status_code == 404
        assert "openapi.json" in response.json()["error"]["message"]


def test_a_read_endpoint_answers_a_post_with_a_json_405() -> None:
    ClaimFactory(slug="c")
    client = Client(enforce_csrf_checks=True)
    for path in ("/api/v1/claims", "/api/v1/claims/c", "/api/v1/exports/claims.csv"):
        response = client.post(path)
        assert response.status_code == 405, path
        assert response["Allow"] == "GET, HEAD"
        assert response.json()["error"]["status"] == 405
