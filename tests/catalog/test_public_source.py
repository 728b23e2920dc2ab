"""The readers' fast path for one source (``access.public_source``, SQL compiled once per
connection) answers exactly as ``public_sources``' rule: the archived-copy page of a
source only a draft cites is a 404 for readers, and becomes public when the claim is
published (the compiled SQL is reused with the new answer)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from app.catalog import access
from app.catalog.choices import PublicationState
from app.catalog.models import Source
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_public_source_agrees_with_public_sources() -> None:
    public = SourceFactory(title="Cited by a published claim")
    EvidenceFactory(source=public, claim=ClaimFactory())
    hidden = SourceFactory(title="Cited by a draft only")
    draft = ClaimFactory(draft=True)
    EvidenceFactory(source=hidden, claim=draft, state=PublicationState.DRAFT, published_at=None)
    lonely = SourceFactory(title="Cited by nothing")
    expected = set(access.public_sources().values_list("pk", flat=True))
    for source in (public, hidden, lonely):
        found = access.public_source(source.pk)
        assert (found is not None) == (source.pk in expected)
    found = access.public_source(public.pk)
    assert found is not None
    stored = Source.objects.get(pk=public.pk)
    fields = [f.attname for f in Source._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert access.public_source(hidden.pk) is None and access.public_source(lonely.pk) is None


def test_readers_get_404_until_the_citing_claim_is_published(alice: Any) -> None:
    source = SourceFactory()
    claim = ClaimFactory(draft=True)
    item = EvidenceFactory(source=source, claim=claim)
    with pytest.raises(Http404):
        access.access_source(access.ANONYMOUS, source.pk)
    # An editor who sees drafts takes the general path and gets it.
    assert access.access_source(alice, source.pk).pk == source.pk
    assert item.state == PublicationState.PUBLISHED  # only the claim holds it back
    claim.state, claim.published_at = PublicationState.PUBLISHED, timezone.now()
    claim.save(update_fields=["state", "published_at"])
    assert access.access_source(access.ANONYMOUS, source.pk).pk == source.pk


@pytest.mark.parametrize("pk", ["9223372036854775808", "99999999999999999999999"])
def test_an_id_beyond_64_bits_is_a_404_not_a_500(client: Any, pk: str) -> None:
    """The compiled SQL once handed SQLite an integer it cannot bind (OverflowError, 500)."""
    source = SourceFactory()
    EvidenceFactory(source=source, claim=ClaimFactory())
    assert access.public_source(int(pk)) is None
    assert client.get(f"/sources/{pk}/").status_code == 404
    assert client.get(f"/api/v1/sources/{pk}").status_code == 404
    assert client.get(f"/sources/{source.pk}/").status_code == 200
