"""Importing a Hugging Face model card and a Croissant file: good files fill the
records; malformed ones give a clear error and leave nothing behind."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from app.catalog.choices import EntityKind
from app.catalog.models import Entity, Source
from app.disclosures.imports import ImportProblem, croissant_import, model_card_import
from app.disclosures.models import DatasetCard, Disclosure, DisclosureSection

pytestmark = pytest.mark.django_db

CARD = b"""---
language:
- en
- fr
license: apache-2.0
base_model: frontier/vidgen-base-1
datasets:
- HuggingFaceFV/finevideo
- webvid-10m
---
# VidGen

A video model.
"""

CROISSANT = {
    "@context": {"@vocab": "https://schema.org/", "sc": "https://schema.org/",
                 "cr": "http://mlcommons.org/croissant/"},
    "@type": "sc:Dataset",
    "name": "GameClips-1M",
    "description": "One million game clips.",
    "url": "https://data.example/gameclips",
    "license": "https://creativecommons.org/licenses/by/4.0/",
    "version": "1.2.0",
    "datePublished": "2024-03-01",
    "creator": [{"@type": "sc:Person", "name": "Ada"}, {"@type": "sc:Organization", "name": "Lab"}],
    "keywords": ["video", "games"],
    "distribution": [{"@type": "cr:FileObject", "@id": "clips.parquet", "name": "clips.parquet",
                      "contentUrl": "https://data.example/clips.parquet",
                      "encodingFormat": "application/x-parquet", "sha256": "ab" * 32}],
    "recordSet": [{"@type": "cr:RecordSet", "name": "clips",
                   "field": [{"@type": "cr:Field", "name": "video_id"},
                             {"@type": "cr:Field", "name": "channel_id"}]}],
}  # fmt: skip


def test_a_model_card_fills_datasets_base_model_and_languages(world, pat):
    item = model_card_import(model=world[1], raw=CARD, url="https://hf.example/vidgen", actor=pat)
    assert item.kind == "hf_card"
    sections = {s.code: s for s in item.sections.all()}
    assert sections["2.1"].data == {"datasets": ["HuggingFaceFV/finevideo", "webvid-10m"]}
    assert sections["1.2"].data == {"base_model": ["frontier/vidgen-base-1"]}
    assert sections["1.3"].data == {"languages": ["en", "fr"]}
    assert len(sections) == 13
    assert Source.objects.filter(normalized_url__contains="hf.example/vidgen").exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"# No front matter\n", "no YAML front matter"),
        (b"---\ndatasets: [a\n---\n", "not valid YAML"),
        (b"---\ndatasets:\n- a\n", "not closed"),
        (b"---\n- a\n- b\n---\n", "mapping"),
        (b"---\nlicense: mit\n---\n", "neither"),
        (b"---\ndatasets:\n  nested: {x: 1}\n---\n", "list of names"),
        (b"\xff\xfe---\n", "not UTF-8"),
        (b"", "empty"),
    ],
)
def test_a_malformed_model_card_is_refused_and_nothing_is_saved(world, pat, raw, message):
    with pytest.raises(ImportProblem, match=message):
        model_card_import(model=world[1], raw=raw, url="https://hf.example/bad", actor=pat)
    assert not Disclosure.objects.exists()
    assert not DisclosureSection.objects.exists()
    assert not Source.objects.filter(normalized_url__contains="hf.example").exists()


def test_the_import_page_shows_the_error_and_saves_nothing(world, pat, client):
    client.force_login(pat)
    response = client.post("/editor/disclosures/import/model-card/", {
        "model": world[1].pk, "url": "https://hf.example/vidgen",
        "file": SimpleUploadedFile("README.md", b"---\ndatasets: [a\n---\n"),
    })  # fmt: skip
    assert response.status_code == 400
    assert "not valid YAML" in response.content.decode()
    assert not Disclosure.objects.exists()
    ok = client.post("/editor/disclosures/import/model-card/", {
        "model": world[1].pk, "url": "https://hf.example/vidgen",
        "file": SimpleUploadedFile("README.md", CARD),
    })  # fmt: skip
    assert ok.status_code == 302
    assert Disclosure.objects.get().sections.get(code="2.1").data["datasets"][1] == "webvid-10m"


def test_a_croissant_file_fills_a_dataset_record(pat):
    card = croissant_import(raw=json.dumps(CROISSANT).encode(), actor=pat)
    assert card.dataset.kind == EntityKind.DATASET and card.dataset.name == "GameClips-1M"
    assert card.license == "https://creativecommons.org/licenses/by/4.0/"
    assert card.creators == ["Ada", "Lab"]
    assert card.version == "1.2.0" and card.date_published == "2024-03-01"
    assert card.distribution[0]["content_url"] == "https://data.example/clips.parquet"
    assert card.record_sets == [{"name": "clips", "fields": ["video_id", "channel_id"]}]
    again = croissant_import(raw=json.dumps({**CROISSANT, "version": "1.3.0"}).encode(), actor=pat)
    assert again.pk == card.pk and again.version == "1.3.0"
    assert Entity.objects.filter(kind=EntityKind.DATASET).count() == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "one JSON-LD object"),
        (json.dumps({"@type": "sc:Person", "name": "x"}).encode(), "not of @type"),
        (json.dumps({"@type": "sc:Dataset"}).encode(), "no name"),
        (b"   ", "empty"),
    ],
)
def test_a_malformed_croissant_file_is_refused_and_nothing_is_saved(pat, raw, message):
    with pytest.raises(ImportProblem, match=message):
        croissant_import(raw=raw, actor=pat)
    assert not DatasetCard.objects.exists()
    assert not Entity.objects.exists()


def test_the_croissant_page_refuses_a_bad_file_with_400(pat, client):
    client.force_login(pat)
    response = client.post("/editor/disclosures/import/croissant/",
                           {"file": SimpleUploadedFile("c.json", b"{oops")})  # fmt: skip
    assert response.status_code == 400 and "not valid JSON" in response.content.decode()
