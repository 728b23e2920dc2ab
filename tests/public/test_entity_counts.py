"""Every page counts the claims that name an entity by one rule (issue 15, problem 4).

OpenAI's page said "0 claims name it" while the home page and the claim list's
filters said 2: a developer is named through its model. The entity page, the entity
index, the home page's entry points, the claim list's filter and facet, the entity
feed and search now read `app.catalog.naming`.
"""

from __future__ import annotations

import re

import pytest

from app.catalog import naming
from app.catalog.choices import EntityKind
from app.catalog.naming import named_counts, public_naming
from tests.factories import ClaimFactory, EntityFactory, ModelEntityFactory
from tests.public.world import make_world

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return response.content.decode()


def counts_shown(client, slug: str, name: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The number each page gives for the entity ``slug`` called ``name``."""
    entity_page = text(client.get(f"/entities/{slug}/"))
    index = text(client.get("/entities/"))
    home = text(client.get("/"))
    listing = text(client.get("/claims/"))
    filtered = text(client.get(f"/claims/?developer={slug}"))
    shown = {
        "entity page": re.search(r"(\d+) claims? names? it", entity_page),
        "entity index": re.search(rf">{name}</a> <span class=\"count\">\((\d+) claims?\)", index),
        "home": re.search(rf"developer={slug}\">{name}</a> <span class=\"count\">\((\d+)\)", home),
        "facet": re.search(
            rf'name="developer" value="{slug}"[^>]*>\s*<label[^>]*>{name}.*?\((\d+)\)',
            listing,
            re.S,
        ),
        "filtered list": re.search(r'id="results-heading"[^>]*>\s*(\d+) claims?', filtered),
    }
    missing = [where for where, match in shown.items() if match is None]
    assert not missing, f"no count found on: {missing}"
    return {where: int(match.group(1)) for where, match in shown.items() if match}


def test_a_developer_named_through_its_models_has_the_same_count_everywhere(client):
    world = make_world()
    # A second model of the same developer, in its own claim and in one with the first.
    other = ModelEntityFactory(name="Vidgen 2", slug="vidgen-2", developer=world.developer)
    ClaimFactory(statement="Vidgen 2 was trained on films.").models_named.add(other)
    both = ClaimFactory(statement="Both Vidgens were trained on songs.")
    both.models_named.add(world.model, other)
    # A draft names it too: never counted.
    ClaimFactory(draft=True).models_named.add(world.model)

    shown = counts_shown(client, "frontier", "Frontier Labs")

    # Three published claims: the world's, Vidgen 2's, and the one naming both (once).
    assert shown == dict.fromkeys(shown, 3), shown
    assert named_counts([world.developer.pk]) == {world.developer.pk: 3}
    assert public_naming(world.developer).count() == 3


def test_the_demo_openai_page_no_longer_says_zero(client, demo):
    page = text(client.get("/entities/openai/"))
    assert "0 claims name it" not in page
    shown = counts_shown(client, "openai", "OpenAI")
    assert set(shown.values()) == {2}, shown


def test_each_role_counts_and_a_claim_naming_an_entity_twice_counts_once():
    world = make_world()
    # A model named as the content of another claim (trained on its outputs).
    ClaimFactory(statement="Tiny was trained on Vidgen outputs.").content_named.add(world.model)
    world.claim.content_named.add(world.model)  # the same claim, in a second role
    assert named_counts([world.model.pk]) == {world.model.pk: 2}
    assert named_counts([world.model.pk], [naming.MODEL]) == {world.model.pk: 1}
    assert named_counts([world.model.pk], [naming.CONTENT]) == {world.model.pk: 2}
    assert named_counts([world.developer.pk], [naming.DEVELOPER]) == {world.developer.pk: 1}
    assert named_counts([world.work.pk]) == {world.work.pk: 1}
    lonely = EntityFactory(kind=EntityKind.DATASET, name="Unnamed")
    assert named_counts([lonely.pk]) == {}
    assert named_counts([]) == {}


def test_searching_a_developer_finds_the_claims_about_its_models(client):
    make_world()
    page = text(client.get("/claims/?q=Frontier"))
    assert "Vidgen was trained on Blockcraft gameplay." in page


def test_the_entity_feed_lists_a_developer_s_claims(client):
    make_world()
    feed = text(client.get("/entities/frontier/feed/"))
    assert "Vidgen was trained on Blockcraft gameplay." in feed
