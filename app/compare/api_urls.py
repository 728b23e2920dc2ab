from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from app.compare import api

app_name = "compare_api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("comparisons", api.comparison_list, name="comparisons"),
    path("comparisons/<int:pk>", api.comparison_detail, name="comparison"),
]
