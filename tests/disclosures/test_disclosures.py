"""Disclosures: every template section, versions and supersession, publication
through the trust core, the public page and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from app.catalog import publication
from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry, Source
from app.disclosures.models import Disclosure, DisclosureKind, DisclosureSection
from app.disclosures.sections import CODES, SECTIONS
from app.disclosures.services import DisclosureError, SectionInput, disclosure_create
from tests.factories import ModelEntityFactory

pytestmark = pytest.mark.django_db

EU_SECTIONS = ("1.1", "1.2", "1.3", "2.1", "2.2.1", "2.2.2", "2.3", "2.4", "2.5", "2.6",
               "3.1", "3.2", "3.3")  # fmt: skip


def make(model, actor, **extra) -> Disclosure:
    fields = {
        "kind": DisclosureKind.EU_SUMMARY, "title": "Public summary of VidGen",
        "url": "https://frontier.example/vidgen-summary.pdf",
    }  # fmt: skip
    fields.update(extra)
    return disclosure_create(model=model, actor=actor, **fields)


def test_the_sections_are_the_eu_templates_exactly():
    assert CODES == EU_SECTIONS
    assert {s.part for s in SECTIONS[:3]} == {SECTIONS[0].part}
    names = {f.name for f in SECTIONS[2].fields}
    assert {"modalities", "text_size", "image_size", "audio_size", "video_size", "content_types",
            "latest_collection", "continuous_training", "languages"} <= names  # fmt: skip
    crawled = {f.name for f in SECTIONS[6].fields}
    assert {"crawlers", "purposes", "behaviour", "period_start", "domains"} <= crawled


def test_a_new_disclosure_has_every_section_and_an_archived_source(world, alice):
    _dev, model, _claim = world
    item = make(model, alice, sections={"2.1": SectionInput("Common Crawl.", {"datasets": ["CC"]})})
    assert list(item.sections.values_list("code", flat=True).order_by("id")) == list(EU_SECTIONS)
    assert item.sections.get(code="2.1").data == {"datasets": ["CC"]}
    assert item.sections.get(code="2.3").is_empty
    source = Source.objects.get(pk=item.source_id)
    assert source.captures.exists()  # the existing engine was asked to archive it
    assert item.state == PublicationState.PENDING  # alice cannot publish directly


def test_a_new_version_supersedes_the_old_and_both_stay_readable(world, pat, client):
    _dev, model, _claim = world
    first = make(model, pat, version_label="v1")
    second = make(model, pat, version_label="v2", supersedes=first)
    assert first.state == second.state == PublicationState.PUBLISHED
    assert list(Disclosure.objects.current()) == [second]
    old = client.get(first.get_absolute_url()).content.decode()
    new = client.get(second.get_absolute_url()).content.decode()
    for page in (old, new):
        assert "v1" in page and "v2" in page and "superseded" in page
    with pytest.raises(DisclosureError):
        make(model, pat, version_label="v2 bis", supersedes=first)
    other = ModelEntityFactory()
    with pytest.raises(DisclosureError):
        make(other, pat, supersedes=second)


def test_a_section_cannot_exist_twice_nor_under_an_unknown_code(world, alice):
    from django.db import IntegrityError, transaction

    item = make(world[1], alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        DisclosureSection.objects.create(disclosure=item, code="2.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        DisclosureSection.objects.filter(disclosure=item, code="2.1").update(code="9.9")


def test_a_pending_disclosure_is_hidden_until_a_moderator_publishes_it(world, alice, bob, client):
    item = make(world[1], alice)
    assert client.get(item.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/disclosures/{item.pk}").status_code == 404
    with pytest.raises(PermissionDenied):
        publication.publication_set(item, PublicationState.PUBLISHED, actor=alice)
    publication.publication_set(item, PublicationState.PUBLISHED, actor=bob)
    assert client.get(item.get_absolute_url()).status_code == 200
    assert AuditEntry.objects.filter(action="disclosure.publish").count() == 1
    data = client.get(f"/api/v1/disclosures/{item.pk}").json()
    assert [s["code"] for s in data["sections"]] == list(EU_SECTIONS)


def test_a_disclosure_is_only_for_a_model(world, alice):
    developer = world[0]
    with pytest.raises(DisclosureError):
        make(developer, alice)


def test_the_public_page_shows_sections_structured_fields_and_escapes(world, pat, client):
    item = make(world[1], pat, sections={
        "1.3": SectionInput("", {"content_types": ["video_games", "films"], "text_size": "gt10t"}),
        "2.3": SectionInput("<script>alert(1)</script>", {"domains": ["youtube.com"]}),
    })  # fmt: skip
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Video games, Films" in page
    assert "more than 10 trillion tokens" in page
    assert "youtube.com" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert page.count("Nothing stated.") == len(EU_SECTIONS) - 2
    french = client.get(f"/fr{item.get_absolute_url()}").content.decode()
    assert "Jeux vidéo" in french


def test_a_published_disclosures_archived_source_is_public_and_a_pending_ones_is_not(
    world, alice, bob, client
):
    """The trust core's source rule, extended by the disclosures app (register_public_citer)."""
    item = make(world[1], alice)
    source_page = f"/sources/{item.source_id}/"
    assert client.get(source_page).status_code == 404
    assert client.get(f"/api/v1/sources/{item.source_id}").status_code == 404
    publication.publication_set(item, PublicationState.PUBLISHED, actor=bob)
    assert client.get(source_page).status_code == 200
    assert client.get(f"/api/v1/sources/{item.source_id}").status_code == 200
    assert source_page.encode() in client.get(item.get_absolute_url()).content
