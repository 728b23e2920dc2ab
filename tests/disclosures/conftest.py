from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.public.cache import bump_version


@pytest.fixture(autouse=True)
def fresh_page_cache() -> Iterator[None]:
    """A rolled-back test leaves no cached page behind for the next one."""
    bump_version()
    yield
    bump_version()


@pytest.fixture
def world(db: None):
    """A developer with a model on the EU market, a published claim naming it."""
    from app.catalog.choices import EntityKind
    from app.disclosures.models import MarketPresence
    from tests.factories import ClaimFactory, EntityFactory, ModelEntityFactory

    developer = EntityFactory(kind=EntityKind.ORGANIZATION, name="Frontier Labs", slug="frontier")
    model = ModelEntityFactory(name="VidGen", slug="vidgen", developer=developer)
    MarketPresence.objects.create(model=model)
    claim = ClaimFactory(slug="vidgen-games", statement="VidGen was trained on game footage.")
    claim.models_named.add(model)
    return developer, model, claim
