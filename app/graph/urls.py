from django.urls import path

from app.graph import relation_views, views

app_name = "graph"

urlpatterns = [
    path("lookup/", views.lookup_page, name="lookup"),
    path("editor/datasets/import/", views.upload, name="upload"),
    path("editor/datasets/versions/<int:pk>/", views.version_detail, name="version"),
    path("editor/datasets/versions/<int:pk>/rejected.csv", views.version_rejects, name="rejects"),
    path("editor/relations/new/", relation_views.relation_new, name="relation_new"),
    path("editor/relations/versions/", relation_views.relation_versions, name="relation_versions"),
    path("editor/relations/<int:pk>/edit/", relation_views.relation_edit, name="relation_edit"),
    path(
        "editor/relations/<int:pk>/remove/",
        relation_views.relation_remove_view,
        name="relation_remove",
    ),
    path(
        "editor/claims/<slug:slug>/relations/new/",
        relation_views.relation_new,
        name="claim_relation",
    ),
]
