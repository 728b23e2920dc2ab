from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from app.disclosures import api

app_name = "disclosures_api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("disclosures", api.disclosure_list, name="disclosures"),
    path("disclosures/<int:pk>", api.disclosure_detail, name="disclosure"),
    path("cases", api.case_list, name="cases"),
    path("cases/<slug:slug>", api.case_detail, name="case"),
    path("developers/<slug:slug>/gap", api.developer_gap, name="developer_gap"),
    # Only this app's datasets: the API app's own exports are matched after these.
    re_path(
        r"^exports/(?P<dataset>disclosures|gap|cases)\.(?P<fmt>[a-z]+)$", api.export, name="export"
    ),
]
