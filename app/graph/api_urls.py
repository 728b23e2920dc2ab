"""``/api/v1/lookup``: included before app.api's catch-all (the graph sits below the API)."""

from django.urls import path

from app.graph import views

app_name = "graph-api"

urlpatterns = [path("lookup", views.api_lookup, name="lookup")]
