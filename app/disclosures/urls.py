from __future__ import annotations

from django.urls import URLPattern, path

from app.disclosures import editor_views as ed
from app.disclosures import views

app_name = "disclosures"
urlpatterns: list[URLPattern] = [
    path("disclosures/<int:pk>/", views.disclosure_detail, name="disclosure"),
    path("developers/<slug:slug>/gap/", views.developer_gap, name="developer_gap"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<slug:slug>/", views.case_detail, name="case"),
    path("cases/<slug:slug>/feed/", views.case_feed, name="case_feed"),
    path("editor/disclosures/new/", ed.disclosure_new, name="new"),
    path("editor/disclosures/import/model-card/", ed.model_card_import_view, name="import_card"),
    path("editor/disclosures/import/croissant/", ed.croissant_import_view, name="import_croissant"),
    path("editor/disclosures/<int:pk>/", ed.disclosure_edit, name="edit"),
    path("editor/disclosures/<int:pk>/submit/", ed.disclosure_submit, name="submit"),
    path("editor/disclosures/<int:pk>/sections/<str:code>/", ed.section_save, name="section"),
    path("editor/models/<slug:slug>/eu-market/", ed.market_set, name="market"),
    path("editor/claims/<slug:slug>/gap/", ed.claim_gap, name="claim_gap"),
    path("editor/gap/<int:pk>/submit/", ed.gap_submit, name="gap_submit"),
    path("editor/cases/new/", ed.case_new, name="case_new"),
    path("editor/cases/<slug:slug>/", ed.case_edit, name="case_edit"),
]
