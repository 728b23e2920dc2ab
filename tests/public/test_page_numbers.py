"""``?page=`` follows one rule on every list that takes it (`filters.page_number`): a
value that is not a positive whole number is a 400 with a message, a number past the
last page a 404, the same on the site, the API and moderation (docs/public-site.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from app.catalog.choices import Stance
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/claims/",
    "/fr/claims/",
    "/claims/listed/evidence/supports/",
    "/api/v1/claims",
    "/entities/",
    "/moderation/",
    "/moderation/audit/",
]
NOT_A_PAGE = ["0", "00", "-1", "-3", "two", "1.5", "1e3", "%2B2", "%C2%B2", "%D9%A1"]
PAST_THE_LAST = ["2", "999", "1000001", "9" * 40]


@pytest.fixture
def client(bob: Any) -> Client:
    """A moderator's browser: the moderation lists are theirs, the others are public."""
    claim = ClaimFactory(slug="listed")
    EvidenceFactory(claim=claim, stance=Stance.SUPPORTS)
    browser = Client()
    browser.force_login(bob)
    return browser


@pytest.mark.parametrize("url", LISTS)
def test_page_numbers_follow_one_rule_on_every_list(client: Client, url: str) -> None:
    for page in ("", "1", "01"):
        response = client.get(f"{url}?page={page}")
        assert response.status_code == 200, (url, page)
    for page in NOT_A_PAGE:
        response = client.get(f"{url}?page={page}")
        assert response.status_code == 400, (url, page)
        body = response.content.decode()
        assert "must be a positive whole number" in body or "doit être" in body, (url, page)
    for page in PAST_THE_LAST:
        assert client.get(f"{url}?page={page}").status_code == 404, (url, page)
