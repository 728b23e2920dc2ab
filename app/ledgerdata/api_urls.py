"""Routes under /api/v1/ served by this app (included from app/api/urls.py)."""

from django.urls import URLPattern, path

from app.ledgerdata import views

urlpatterns: list[URLPattern] = [
    path("", views.claim_prov, name="claim-prov"),
]
