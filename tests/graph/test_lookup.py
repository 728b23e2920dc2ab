"""'Is my work in it?': the lookup's answers, its page and API, entity and claim pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from app.catalog.choices import EntityKind
from app.graph.lookup import LookupError, lookup, parse
from tests.factories import EntityFactory
from tests.graph.conftest import World

nobody: Any = None


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("0-306-40615-2", "isbn", "9780306406157"),
        ("https://youtu.be/dQw4w9WgXcQ?t=3", "video", "dQw4w9WgXcQ"),
        ("dQw4w9WgXcQ", "video", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/@Some.Streamer", "channel", "@some.streamer"),
        ("UCuAXFkgsw1L7xaCfnd5JJOw", "channel", "UCuAXFkgsw1L7xaCfnd5JJOw"),
        ("www.example.org", "site", "example.org"),
        (
            "https://blog.example.org/posts/1?utm_source=x",
            "url",
            "https://blog.example.org/posts/1",
        ),
        ("  The   Sea Inside ", "text", "The Sea Inside"),
        ("programming", "text", "programming"),
    ],
)
def test_the_question_is_read_as_one_kind_of_key(text: str, kind: str, value: str) -> None:
    query = parse(text)
    assert (query.kind, query.value) == (kind, value)


def test_unusable_questions_are_refused_with_a_reason() -> None:
    for text, by in (("", ""), ("x" * 301, ""), ("a\x00b", ""), ("book", "isbn")):
        with pytest.raises(LookupError):
            parse(text, by)


def _models(answer: Any, dataset: str) -> list[tuple[str, str, bool]]:
    item = next(a for a in answer.datasets if a.dataset.slug == dataset)
    return [(p.model.slug, p.weakest_verdict, p.alleged) for p in item.paths]


def test_an_isbn10_finds_the_book_its_dataset_and_the_models_with_their_weakest_link(
    indexed: World,
) -> None:
    answer = lookup("0306406152")
    assert [a.dataset.slug for a in answer.datasets] == ["books3"]
    books3 = answer.datasets[0]
    assert books3.exact and [m.title for m in books3.matches] == ["The Sea Inside"]
    assert [v.number for v in books3.versions] == [1]
    assert _models(answer, "books3") == [
        ("llama", "confirmed", False),
        ("llama-chat", "confirmed", False),
        ("llama", "supported", True),
        ("llama-chat", "supported", True),
    ]
    link = books3.paths[0].links[-1]
    assert (link.claim, link.evidence_count) == (indexed.used.claim, 3)


def test_an_exact_answer_is_a_few_queries_and_its_page_reads_nothing_more(
    indexed: World, django_assert_max_num_queries: Any, django_assert_num_queries: Any
) -> None:
    # The key's probe (its rows carry their version), the paths, the links with their
    # claims, ends and evidence counts: no query per link or per path (issue 12).
    with django_assert_max_num_queries(4):
        answer = lookup("0306406152")
    assert answer.datasets[0].paths[0].links[0].relation.upstream.slug == "books3"
    with django_assert_num_queries(1):  # a miss: the probe alone
        assert lookup("978-0-00-000000-2").datasets == []
    for path in (
        "/lookup/?q=0306406152",
        "/fr/lookup/?q=0306406152",
        "/api/v1/lookup?q=0306406152",
    ):
        with django_assert_max_num_queries(4):
            assert Client().get(path).status_code == 200


def test_a_draft_relation_never_shows(indexed: World) -> None:
    answer = lookup("978-0-306-40615-7")
    slugs = {p.model.slug for a in answer.datasets for p in a.paths}
    assert "secret-model" not in slugs and "llama" in slugs


def test_titles_and_authors_match_exactly_or_closely(indexed: World) -> None:
    exact = lookup("the sea inside")
    assert exact.datasets[0].matches[0].exact
    close = lookup("Sea Inside")
    match = close.datasets[0].matches[0]
    assert not match.exact and 0 < match.similarity < 1 and match.title == "The Sea Inside"
    assert not close.datasets[0].exact
    by_author = lookup("Ana Writer", by="author")
    assert by_author.datasets[0].matches[0].author == "Ana Writer"
    assert lookup("Ana Writer", by="title").datasets == []


def test_videos_channels_and_sites_are_found_under_every_form(indexed: World) -> None:
    for text in (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=x",
        "https://m.youtube.com/shorts/dQw4w9WgXcQ",
        "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw/videos",
        "blog.example.org",
        "https://blog.example.org/posts/1#top",
    ):
        answer = lookup(text)
        assert [a.dataset.slug for a in answer.datasets] == ["the-pile"], text
        assert _models(answer, "the-pile")[0] == ("llama", "confirmed", False)


def test_the_page_answers_without_javascript_in_english_and_french(indexed: World) -> None:
    client = Client()
    page = client.get("/lookup/", {"q": "0-306-40615-2"})
    html = page.content.decode()
    assert page.status_code == 200 and "Books3" in html and "Exact match" in html
    assert "LLaMA Chat" in html and "alleged, not declared by the developer" in html
    assert "Secret Model" not in html
    assert f"/suggest/?claim={indexed.used.claim.slug}" in html
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    french = client.get("/fr/lookup/", {"q": "0-306-40615-2"}).content.decode()
    assert "Est-ce que mon œuvre y est\u202f?" in french and "Correspondance exacte" in french
    assert client.get("/lookup/", {"q": ""}).status_code == 200
    assert client.get("/lookup/", {"q": "x" * 400}).status_code == 400


def test_the_api_answers_json_and_refuses_bad_questions(indexed: World) -> None:
    client = Client()
    data = client.get("/api/v1/lookup", {"q": "https://youtu.be/dQw4w9WgXcQ"}).json()
    assert data["query"] == {
        "text": "https://youtu.be/dQw4w9WgXcQ",
        "read_as": "video",
        "key": "dQw4w9WgXcQ",
    }
    pile = data["datasets"][0]
    assert pile["dataset"]["slug"] == "the-pile" and pile["match"] == "exact"
    assert pile["versions"][0]["number"] == 1 and len(pile["versions"][0]["file_sha256"]) == 64
    llama = pile["models"][0]
    assert llama["model"]["slug"] == "llama" and llama["weakest_verdict"] == "confirmed"
    assert llama["links"][0]["claim"]["evidence_count"] == 3
    assert "secret-model" not in json.dumps(data)
    bad = client.get("/api/v1/lookup", {"q": ""})
    assert bad.status_code == 400 and bad.json()["error"]["status"] == 400
    assert client.post("/api/v1/lookup").status_code == 405


def test_work_and_creator_pages_show_the_same_answer(indexed: World) -> None:
    client = Client()
    html = client.get(indexed.book.get_absolute_url()).content.decode()
    assert "Is The Sea Inside in a training dataset?" in html and "LLaMA Chat" in html
    assert "Secret Model" not in html
    creator = EntityFactory(kind=EntityKind.CREATOR, name="Ana Writer", slug="ana-2")
    html = client.get(creator.get_absolute_url()).content.decode()
    assert "Books3" in html and "LLaMA" in html


def test_the_claim_page_draws_its_chain(world: World) -> None:
    from app.graph.models import RelationKind
    from app.graph.services import relation_add

    claim = world.used.claim
    relation_add(
        claim=claim,
        kind=RelationKind.MEMBERSHIP,
        upstream=world.book,
        downstream=world.pile,
        actor=nobody,
    )
    html = Client().get(claim.get_absolute_url()).content.decode()
    assert "The chain this claim asserts" in html and "<svg" in html
    assert "The Pile → LLaMA" in html  # the diagram's accessible title
    assert "3 evidence items" in html
