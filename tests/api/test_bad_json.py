"""The write API's one JSON parser: deep nesting, lone surrogates and NUL get a clear 400.

Before, ``[[[[…`` 60,000 deep raised RecursionError (a 500), and a source URL
with ``\\ud800`` failed when it was encoded (a 500).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from app.accounts.services import token_create
from app.catalog.models import Source
from app.lib import jsonbody
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

DEEP = 60_000


@pytest.fixture
def token(alice: Any) -> str:
    return token_create(user=alice, name="bot").secret


def post_raw(client: Client, url: str, body: str, token: str) -> Any:
    return client.post(
        url, body.encode(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def assert_json_400(response: Any, words: str) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid_json"
    assert words in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * DEEP,  # 60,000 deep fits in the 64 KiB a body may have: not even closed
        "[" * 32_000 + "]" * 32_000,
        '{"url": ' + "[" * 30_000 + "]" * 30_000 + "}",
        '{"url": ' + '{"a":' * 10_000 + "1" + "}" * 10_000 + "}",
    ],
    ids=["unclosed", "array", "in-an-object", "objects"],
)
def test_deeply_nested_json_is_a_400(client: Client, token: str, body: str) -> None:
    assert len(body.encode()) <= 64 * 1024
    ClaimFactory(slug="c")
    for url in ("/api/v1/sources", "/api/v1/claims/c/evidence"):
        assert_json_400(post_raw(client, url, body, token), "nested more than")


def test_a_lone_surrogate_in_a_source_url_is_a_400_and_saves_nothing(
    client: Client, token: str
) -> None:
    response = post_raw(client, "/api/v1/sources", '{"url": "http://x.example/\\ud800"}', token)
    assert_json_400(response, "lone surrogate")
    key = post_raw(client, "/api/v1/sources", '{"\\udfff": "http://x.example/"}', token)
    assert_json_400(key, "lone surrogate")
    assert not Source.objects.exists()


def test_a_nul_in_a_json_string_is_a_400(client: Client, token: str) -> None:
    response = post_raw(client, "/api/v1/sources", '{"url": "http://x.example/\\u0000"}', token)
    assert_json_400(response, "NUL")
    assert not Source.objects.exists()


def test_a_proper_surrogate_pair_and_ordinary_nesting_still_parse() -> None:
    assert jsonbody.parse('{"a": "\\ud83d\\ude00", "b": [[1], {"c": "[[{"}]}') == {
        "a": "😀",
        "b": [[1], {"c": "[[{"}],
    }
    assert jsonbody.nesting_depth('["\\"[[[", [[]]]', 10) == 3
    with pytest.raises(jsonbody.BadJSON, match="NaN"):
        jsonbody.parse("[NaN]")


def test_a_valid_body_after_the_checks_still_creates_the_source(client: Client, token: str) -> None:
    response = post_raw(
        client, "/api/v1/sources", '{"url": "https://news.example/caf\\u00e9"}', token
    )
    assert response.status_code == 201, response.content
    assert Source.objects.get().url == "https://news.example/café"
