from django.urls import path

from app.monitor import ranges, views

app_name = "monitor"
urlpatterns = [
    path("sources/<int:pk>/versions/", views.source_versions, name="source_versions"),
    path("claims/<slug:slug>/package.zip", views.claim_package, name="claim_package"),
    path("archive/videos/<int:artifact_id>/<str:name>", ranges.video, name="video"),
]
