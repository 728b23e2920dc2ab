"""``/api/v1/lookup``: included before app.api's catch-all (the graph sits below the API)."""

from django.urls import path, re_path

from app.graph import views

app_name = "graph-api"

urlpatterns = [
    path("lookup", views.api_lookup, name="lookup"),
    # Only this app's exports; every other name falls through to app.api's.
    re_path(
        r"^exports/(?P<name>relations|dataset-versions)\.(?P<fmt>csv|json)$",
        views.export,
        name="export",
    ),
]
