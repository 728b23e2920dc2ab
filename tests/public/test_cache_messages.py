"""The page cache never stores one reader's flash message for the next reader."""

from __future__ import annotations

import pytest
from django.test import Client

from app.moderation.choices import FlagReason
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

THANKS = "Thank you. The moderators will look at your report."


def test_reader_a_sees_their_message_and_reader_b_gets_the_page_without_it(settings):
    settings.CACHE_PAGE_SECONDS = 300
    ClaimFactory(slug="c")
    reader_a, reader_b = Client(), Client()
    reported = reader_a.post(
        "/suggest/report/claim/c/", {"reason": FlagReason.values[0]}, follow=True
    )
    assert reported.redirect_chain[-1][0] == "/claims/c/"
    assert THANKS in reported.content.decode()  # A's page carries A's message
    for _ in range(2):  # the second read would be a cache hit
        page = reader_b.get("/claims/c/")
        assert page.status_code == 200
        assert THANKS not in page.content.decode()
        assert 'class="messages"' not in page.content.decode()


def test_a_page_with_a_pending_message_is_neither_served_from_nor_stored_in_the_cache(settings):
    settings.CACHE_PAGE_SECONDS = 300
    ClaimFactory(slug="c")
    reader_a, reader_b = Client(), Client()
    reader_b.get("/claims/c/")  # the page is now in the cache
    reported = reader_a.post("/suggest/report/claim/c/", {"reason": FlagReason.values[0]})
    assert reported.status_code == 302
    assert THANKS in reader_a.get("/claims/c/").content.decode()  # not the cached copy
    assert THANKS not in reader_a.get("/claims/c/").content.decode()  # shown once
    assert THANKS not in reader_b.get("/claims/c/").content.decode()
