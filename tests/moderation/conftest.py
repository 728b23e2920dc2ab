"""Moderation fixtures: logged-in clients, queue items, a private rate-limit namespace."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import pytest
from django.test import Client

from app.catalog.choices import PublicationState
from app.moderation.intake import form_token
from tests.factories import ClaimFactory, EvidenceFactory


def reader_ip() -> str:
    """A distinct loopback address per reader (only ever a REMOTE_ADDR label)."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"


def filled_form_token(seconds_ago: float = 10) -> str:
    """The token a reader's browser holds after spending `seconds_ago` on the form."""
    return form_token(now=time.time() - seconds_ago)


def suggestion_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "claim",
        "statement": "Model X was trained on the Y video archive.",
        "url": f"https://news.example/story-{uuid.uuid4().hex[:8]}",
        "summary": "The article compares outputs of Model X with frames from the archive.",
        "stance": "supports",
        "language": "en",
        "website": "",
        "started": filled_form_token(),
    }
    data.update(overrides)
    return data


def logged_in(user: Any) -> Client:
    client = Client(REMOTE_ADDR=reader_ip())
    client.force_login(user)
    return client


@pytest.fixture
def bob_client(bob: Any) -> Client:
    return logged_in(bob)


@pytest.fixture
def reader() -> Client:
    return Client(REMOTE_ADDR=reader_ip())


@pytest.fixture
def pending_claim(carol: Any) -> Any:
    return ClaimFactory(
        state=PublicationState.PENDING, published_at=None, created_by=carol, language="en"
    )


@pytest.fixture
def pending_evidence(carol: Any) -> Any:
    return EvidenceFactory(state=PublicationState.PENDING, published_at=None, added_by=carol)
