from django.contrib.sitemaps.views import sitemap
from django.urls import path

from app.public import feeds, og, views
from app.public.cache import public_page
from app.public.sitemaps import SITEMAPS

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/feed/", public_page(feeds.ClaimsFeed()), name="claims-feed"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim"),
    path(
        "claims/<slug:slug>/evidence/<slug:stance>/",
        views.claim_evidence,
        name="claim-evidence",
    ),
    path("claims/<slug:slug>/card.png", og.claim_card, name="claim-card"),
    path("claims/<slug:slug>/feed/", public_page(feeds.ClaimUpdatesFeed()), name="claim-feed"),
    path("entities/", views.entity_list, name="entities"),
    path("entities/<slug:slug>/", views.entity_detail, name="entity"),
    path("entities/<slug:slug>/feed/", public_page(feeds.EntityFeed()), name="entity-feed"),
    path("methodology/", views.methodology, name="methodology"),
    path("data/", views.data, name="data"),
    path(
        "sitemap.xml",
        public_page(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
]
