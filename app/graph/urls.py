from django.urls import path

from app.graph import views

app_name = "graph"

urlpatterns = [
    path("lookup/", views.lookup_page, name="lookup"),
    path("editor/datasets/import/", views.upload, name="upload"),
    path("editor/datasets/versions/<int:pk>/", views.version_detail, name="version"),
    path("editor/datasets/versions/<int:pk>/rejected.csv", views.version_rejects, name="rejects"),
]
