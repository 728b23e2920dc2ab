"""Bad input gets a clear 400, never a 500: NUL in addresses and forms, on every URL pattern.

The patterns are read from the URLconf, so a page added later is covered too.
Each is requested with a NUL in the query string (as ``?q=a%00b`` and
``?model=%00``) and posted a form with a NUL in a field, by an anonymous
reader and by a superuser (who passes every permission check and so reaches
the views' own parsing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import LocalePrefixPattern, RoutePattern

from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

NUL_QUERIES = ["q=a%00b", "model=%00", "verdict=supported&q=%00"]
CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")
SAMPLES = {"int": "1", "slug": "c", "str": "claim", "path": "1", None: "c"}


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, LocalePrefixPattern):
            part = ""
        elif isinstance(pattern, RoutePattern):
            part = str(pattern)
        else:  # a regular expression: only the plain ones
            part = str(pattern).lstrip("^").rstrip("$")
            if any(c in part for c in "()[]*+?\\"):
                continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + part)
        else:
            yield prefix + part


def sample_paths() -> list[str]:
    paths = {
        "/" + CONVERTER.sub(lambda m: SAMPLES.get(m.group(1), "1"), path)
        for path in _walk(get_resolver().url_patterns)
    }
    return sorted(paths)


def test_the_walk_finds_the_site_the_api_and_the_moderation_queue() -> None:
    paths = sample_paths()
    for expected in ("/claims/", "/api/v1/claims", "/moderation/", "/editor/", "/claims/c/feed/"):
        assert expected in paths
    assert len(paths) > 100


@pytest.fixture
def readers(admin_user) -> dict[str, Client]:
    claim = ClaimFactory(slug="c")
    EvidenceFactory(claim=claim)
    superuser = Client()
    superuser.force_login(admin_user)
    return {"anonymous": Client(), "superuser": superuser}


def assert_clear_400(response, path: str) -> None:
    assert response.status_code == 400, (path, response.status_code)
    text = response.content.decode()
    assert "NUL" in text, (path, text[:200])
    if path.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error"]["status"] == 400
    else:
        assert response["Content-Type"].startswith("text/html")


def test_every_url_pattern_answers_a_nul_in_the_query_string_with_a_400(readers) -> None:
    checked = 0
    for path in sample_paths():
        for client in readers.values():
            for query in NUL_QUERIES:
                assert_clear_400(client.get(f"{path}?{query}"), path)
                checked += 1
    assert checked > 600


def test_every_form_post_with_a_nul_is_a_400_and_never_a_500(readers) -> None:
    exempt = 0
    for path in sample_paths():
        view = resolve(path).func
        for client in readers.values():
            response = client.post(path, {"q": "a\x00b", "url": "https://x.example/\x00"})
            if getattr(view, "csrf_exempt", False):
                # The token-authenticated API and the upload page read their own bodies;
                # no other page may skip the CSRF check.
                assert path.startswith("/api/") or "/upload" in path, path
                assert response.status_code < 500, (path, response.status_code)
                exempt += 1
            else:
                assert_clear_400(response, path)
    assert exempt > 0


@pytest.mark.parametrize(
    "url",
    [
        "/claims/?model=%00",
        "/claims/?q=a%00b",
        "/fr/claims/?q=a%00b",
        "/api/v1/claims?model=%00",
        "/api/v1/claims?q=a%00b",
        "/moderation/?q=a%00b",
        "/moderation/audit/?actor=%00",
    ],
)
def test_the_named_probes_get_a_400_with_a_message(readers, url: str) -> None:
    response = readers["superuser"].get(url)
    assert_clear_400(response, url)
    message = "caractère NUL (%00)" if url.startswith("/fr/") else "NUL character (%00)"
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        b"url=http%3A%2F%2Fx.example%2F%ED%A0%80",  # \ud800 as UTF-8-style bytes, percent-encoded
        b"url=http://x.example/\xed\xa0\x80",  # the same bytes raw
        b"url=http://x.example/%25ED%25A0%2580",  # an address that itself holds %ED%A0%80
    ],
)
def test_a_lone_surrogate_pasted_in_the_editor_is_never_a_500(alice, body: bytes) -> None:
    from app.catalog.models import Source

    editor = Client()
    editor.force_login(alice)
    response = editor.post(
        "/editor/sources/lookup/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in {200, 400}, response.status_code
    for url in Source.objects.values_list("url", flat=True):
        url.encode("utf-8")  # whatever was stored is valid Unicode


def test_the_400_page_is_in_french_on_french_pages(client: Client) -> None:
    """Its title and messages were missing from the French catalogue: /fr/ readers got English."""
    page = client.get("/fr/claims/?q=%00")
    body = page.content.decode()
    assert page.status_code == 400
    assert "Requête incorrecte" in body and "caractère NUL (%00)" in body
    assert "Bad request" not in body and "which no page accepts" not in body
    english = client.get("/claims/?q=%00").content.decode()
    assert "Bad request" in english and "which no page accepts" in english
