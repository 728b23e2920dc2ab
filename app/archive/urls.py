from django.urls import path

from app.archive import views

app_name = "archive"
urlpatterns = [
    path("sources/<int:pk>/", views.source_detail, name="source"),
    path(
        "archive/artifacts/<int:artifact_id>/<str:name>",
        views.artifact_download,
        name="artifact",
    ),
]
