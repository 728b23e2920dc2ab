from django.urls import path

from app.archive import views

app_name = "archive"
urlpatterns = [
    path("artifacts/<int:artifact_id>/<str:name>", views.artifact_download, name="artifact"),
]
