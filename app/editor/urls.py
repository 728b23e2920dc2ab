from django.urls import URLPattern, URLResolver, path

from app.editor import claim_views, upload_views, views

app_name = "editor"
urlpatterns: list[URLPattern | URLResolver] = [
    path("editor/", views.dashboard, name="dashboard"),
    path("editor/claims/new/", claim_views.claim_new, name="claim_new"),
    path("editor/claims/<slug:slug>/", views.claim_page, name="claim"),
    path("editor/claims/<slug:slug>/edit/", claim_views.claim_edit, name="claim_edit"),
    path("editor/claims/<slug:slug>/submit/", views.claim_submit, name="claim_submit"),
    path("editor/claims/<slug:slug>/publish/", views.claim_publish, name="claim_publish"),
    path("editor/claims/<slug:slug>/withdraw/", views.claim_withdraw, name="claim_withdraw"),
    path("editor/claims/<slug:slug>/verdict/", views.claim_verdict, name="claim_verdict"),
    path("editor/claims/<slug:slug>/evidence/", views.evidence_create, name="evidence_create"),
    path("editor/claims/<slug:slug>/history/", views.claim_history, name="claim_history"),
    path(
        "editor/claims/<slug:slug>/history/<int:history_id>/restore/",
        views.claim_restore,
        name="claim_restore",
    ),
    path("editor/evidence/<int:pk>/edit/", views.evidence_edit, name="evidence_edit"),
    path("editor/evidence/<int:pk>/history/", views.evidence_history, name="evidence_history"),
    path(
        "editor/evidence/<int:pk>/history/<int:history_id>/restore/",
        views.evidence_restore,
        name="evidence_restore",
    ),
    path("editor/entities/search/", claim_views.entity_search, name="entity_search"),
    path("editor/entities/new/", claim_views.entity_create, name="entity_create"),
    path("editor/entities/<int:pk>/chip/", claim_views.entity_chip, name="entity_chip"),
    path("editor/entities/<slug:slug>/edit/", views.entity_edit, name="entity_edit"),
    path("editor/preview/", claim_views.markdown_preview, name="preview"),
    path("editor/sources/lookup/", views.source_lookup, name="source_lookup"),
    path("editor/sources/<int:pk>/card/", views.source_card, name="source_card"),
    path("editor/sources/<int:pk>/retry/", views.source_retry, name="source_retry"),
    path("editor/sources/<int:pk>/upload/", upload_views.source_upload, name="source_upload"),
]
