"""factory-boy factories for the domain."""

from __future__ import annotations

import factory
from django.utils import timezone

from app.archive.models import Capture, CaptureStatus
from app.catalog.choices import EntityKind, EvidenceKind, PublicationState, Stance
from app.catalog.models import Claim, Entity, Evidence, Source


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity

    kind = EntityKind.WORK
    name = factory.Sequence(lambda n: f"Entity {n}")
    slug = factory.Sequence(lambda n: f"entity-{n}")


class ModelEntityFactory(EntityFactory):
    kind = EntityKind.MODEL
    developer = factory.SubFactory(EntityFactory, kind=EntityKind.ORGANIZATION)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example/article-{n}")
    normalized_url = factory.LazyAttribute(lambda o: o.url)
    title = factory.Sequence(lambda n: f"Article {n}")
    publisher = "News Example"


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    statement = factory.Sequence(lambda n: f"Model {n} was trained on dataset {n}.")
    slug = factory.Sequence(lambda n: f"claim-{n}")
    summary = "A summary."
    state = PublicationState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(state=PublicationState.DRAFT, published_at=None)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)
    kind = EvidenceKind.NEWS_REPORT
    stance = Stance.SUPPORTS
    summary = factory.Sequence(lambda n: f"Evidence item {n} shows something.")
    state = PublicationState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class CaptureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capture

    source = factory.SubFactory(SourceFactory)
    requested_url = factory.LazyAttribute(lambda o: o.source.normalized_url)
    status = CaptureStatus.SUCCEEDED
