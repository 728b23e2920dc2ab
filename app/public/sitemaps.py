"""Sitemap of published claims, entities and the fixed pages, in both languages."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from app.catalog.access import public_claims
from app.catalog.models import Claim, Entity


class ClaimSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"
    limit = 5000

    def items(self) -> QuerySet[Claim]:
        return public_claims().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item: Claim) -> datetime:
        return item.updated_at


class EntitySitemap(Sitemap):
    i18n = True
    alternates = True
    changefreq = "weekly"
    limit = 5000

    def items(self) -> QuerySet[Entity]:
        return Entity.objects.only("slug", "updated_at").order_by("pk")

    def lastmod(self, item: Entity) -> datetime:
        return item.updated_at


class PageSitemap(Sitemap):
    i18n = True
    alternates = True

    def items(self) -> list[str]:
        return ["public:home", "public:claims", "public:entities", "public:methodology"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"pages": PageSitemap, "claims": ClaimSitemap, "entities": EntitySitemap}
