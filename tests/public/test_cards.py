"""Claim cards rendered in Python (app/public/cards.py)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.safestring import mark_safe

from app.catalog.choices import Verdict
from app.public.cards import ClaimCardRenderer
from app.public.queries import published_claims
from tests.factories import ClaimFactory, EntityFactory, EvidenceFactory, ModelEntityFactory
from tests.public.test_evidence_html import HOSTILE, parse

pytestmark = pytest.mark.django_db


def cards(language: str = "en", snippets: dict | None = None) -> str:
    with translation.override(language):
        claims = list(published_claims().order_by("pk"))
        return str(ClaimCardRenderer().render_all(claims, snippets))


def test_a_card_links_the_claim_and_the_entities_it_names() -> None:
    model = ModelEntityFactory(name="Vidgen", slug="vidgen")
    work = EntityFactory(name="Pixelcraft", slug="pixelcraft")
    claim = ClaimFactory(slug="vidgen-pixelcraft", verdict=Verdict.SUPPORTED, language="fr")
    claim.models_named.add(model)
    claim.content_named.add(work)
    EvidenceFactory(claim=claim)
    EvidenceFactory(claim=claim)
    parsed = parse(cards())
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert links == ["/claims/vidgen-pixelcraft/", "/entities/vidgen/", "/entities/pixelcraft/"]
    text = " ".join("".join(parsed.text).split())
    assert "Supported Models: Vidgen · Content: Pixelcraft · 2 evidence items · French" in text
    heading = next(attrs for tag, attrs in parsed.tags if tag == "a")
    assert heading == {"href": "/claims/vidgen-pixelcraft/", "lang": "fr"}


def test_one_item_is_singular_and_french_readers_get_french() -> None:
    EvidenceFactory(claim=ClaimFactory(verdict=Verdict.REFUTED))
    assert "1 evidence item\n" in cards()
    html = cards("fr")
    assert "1 preuve\n" in html
    assert "Réfutée" in html


def test_hostile_names_and_statements_render_inert_but_snippets_keep_their_marks() -> None:
    claim = ClaimFactory(statement=HOSTILE)
    claim.models_named.add(ModelEntityFactory(name=HOSTILE))
    html = cards(snippets={claim.pk: mark_safe("a <mark>match</mark>")})
    parsed = parse(html)
    names = {tag for tag, _attrs in parsed.tags}
    assert "script" not in names and "img" not in names
    assert "mark" in names
    assert "".join(parsed.text).count('<script>alert("x")</script>') == 2


def test_a_snippet_that_is_not_marked_safe_is_escaped() -> None:
    claim = ClaimFactory()
    html = cards(snippets={claim.pk: "<b>plain text</b>"})
    assert "&lt;b&gt;plain text&lt;/b&gt;" in html
