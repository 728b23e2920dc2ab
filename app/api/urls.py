"""JSON API v1. Read endpoints live in views.py, write endpoints in write.py."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from app.api import exports, relations, views, write

app_name = "api"

read_patterns: list[URLPattern | URLResolver] = [
    path("claims", views.claim_list, name="claims"),
    path("claims/<slug:slug>", views.claim_detail, name="claim"),
    # The lineage document is built by app.ledgerdata (issue 17), which sits above the API.
    path("claims/<slug:slug>/prov", include("app.ledgerdata.api_urls")),
    path("entities/<slug:slug>", views.entity_detail, name="entity"),
    path("sources/<int:pk>", views.source_detail, name="source"),
    # GET reads (cached, public); PATCH is the write side's (relations.relation_patch).
    path("relations/<int:pk>", relations.relation, name="relation"),
    path("exports/<slug:dataset>.<slug:fmt>", exports.export, name="export"),
    path("openapi.json", views.openapi, name="openapi"),
]

# --- Write side: app/api/write.py (token auth) adds its routes here ---------------------
write_patterns: list[URLPattern | URLResolver] = [
    path("sources", write.sources_create, name="sources-create"),
    path("sources/<int:pk>/uploads", write.source_upload, name="source-upload"),
    path("sources/<int:pk>/retry", write.source_retry, name="source-retry"),
    path("claims/<slug:slug>/evidence", write.evidence_create, name="claim-evidence-create"),
    path("claims/<slug:slug>/publish", write.claim_publish, name="claim-publish"),
    path("claims/<slug:slug>/submit", write.claim_submit, name="claim-submit"),
    path("claims/<slug:slug>/withdraw", write.claim_withdraw, name="claim-withdraw"),
    path("claims/<slug:slug>/verdict", write.claim_verdict, name="claim-verdict"),
    path("evidence/<int:pk>", write.evidence_update, name="evidence-update"),
    # Relations (issue 12): app/api/relations.py, the relation editor's services.
    path("relations", relations.relations_create, name="relations-create"),
    path("relations/<int:pk>/evidence", relations.relation_evidence, name="relation-evidence"),
    path("relations/<int:pk>/submit", relations.relation_submit, name="relation-submit"),
    path("relations/<int:pk>/publish", relations.relation_publish, name="relation-publish"),
    path("relations/<int:pk>/withdraw", relations.relation_withdraw, name="relation-withdraw"),
    path("relations/<int:pk>/remove", relations.relation_remove_view, name="relation-remove"),
]
# --- End of write side ------------------------------------------------------------------

urlpatterns: list[URLPattern | URLResolver] = [
    *read_patterns,
    *write_patterns,
    # Keep last: any other address under /api/v1/ answers a JSON 404.
    re_path(r"^", views.not_found, name="not-found"),
]
