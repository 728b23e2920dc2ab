"""/data/dumps/...: the daily dumps at stable addresses, and the format page."""

from django.urls import URLPattern, path

from app.ledgerdata import views

app_name = "ledgerdata"

urlpatterns: list[URLPattern] = [
    path("data/format/", views.data_format, name="format"),
    path("data/import-template.csv", views.import_template, name="import-template"),
    path("data/dumps/<str:folder>/<str:name>", views.dump_file, name="dump-file"),
]
