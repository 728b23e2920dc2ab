"""An anonymous suggestion does not tell whether an address is known (issue 11, failure 11).

A source cited only by a draft is private; suggesting its address must get
the same answer as suggesting an address nobody has seen: same status, same
redirect, same messages, same status page (apart from the address and link),
and the same work on the server (one lookup either way, no capture).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from app.archive.models import Capture
from app.catalog.choices import PublicationState
from app.moderation.models import Suggestion
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory
from tests.moderation.conftest import reader_ip, suggestion_data

pytestmark = pytest.mark.django_db


def suggest(url: str) -> tuple[Any, Any, int]:
    client = Client(REMOTE_ADDR=reader_ip())
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/suggest/", suggestion_data(url=url))
    page = client.get(response["Location"])
    return response, page, len(queries)


def visible(page: Any, url: str) -> str:
    text = page.content.decode()
    text = text.replace(url, "URL")
    text = re.sub(r"/suggest/status/[^<\"\s]+", "LINK", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "DATE", text)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "CSRF", text)


def test_an_address_cited_only_by_a_draft_gets_the_same_answer_as_an_unknown_one() -> None:
    secret = "https://leak.example/private-memo"
    draft = ClaimFactory(state=PublicationState.DRAFT, published_at=None)
    EvidenceFactory(
        claim=draft,
        source=SourceFactory(url=secret, normalized_url=secret),
        state=PublicationState.DRAFT,
        published_at=None,
    )
    unknown = "https://leak.example/never-seen"

    known_response, known_page, known_queries = suggest(secret)
    unknown_response, unknown_page, unknown_queries = suggest(unknown)

    assert known_response.status_code == unknown_response.status_code == 302
    assert visible(known_page, secret) == visible(unknown_page, unknown)
    assert "already" not in known_page.content.decode()
    assert known_queries == unknown_queries  # the same work, so the same timing class
    # Moderators still see that the address is known; nothing was fetched.
    assert Suggestion.objects.get(normalized_url=secret).was_known
    assert not Suggestion.objects.get(normalized_url=unknown).was_known
    assert not Capture.objects.exists()
