"""A withdrawal from the workspace purges the public page cache at once: with pages
served stale for 5 s (``CACHE_STALE_SECONDS``, Redis), the claim's page, the home page
and the list stop showing it on the very next request (tests/public/test_render_on_commit.py
does the same through `publication_set` directly)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from app.catalog.choices import PublicationState
from app.catalog.models import Claim
from tests.factories import ClaimFactory
from tests.public.test_render_on_commit import ahead, drain, read  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("needs_redis", "ahead"),  # pages served stale for up to 5 s
]


def test_a_claim_withdrawn_from_the_workspace_stops_showing_at_once(bob: Any) -> None:
    claim = ClaimFactory(slug="c", statement="Sora was trained on the forged archive.")
    for path in ("/claims/c/", "/fr/claims/c/", "/", "/claims/"):
        assert "forged archive" in read(path)[0]

    assert django_settings.CACHE_STALE_SECONDS == 5
    moderator = Client()
    moderator.force_login(bob)
    response = moderator.post(
        reverse("editor:claim_withdraw", args=["c"]), {"reason": "The archive was forged."}
    )
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).state == PublicationState.WITHDRAWN

    assert Client().get("/claims/c/").status_code == 404
    assert Client().get("/fr/claims/c/").status_code == 404
    assert "forged archive" not in Client().get("/").content.decode()
    assert "forged archive" not in Client().get("/claims/").content.decode()
    drain()
