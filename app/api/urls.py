"""JSON API v1. Read endpoints live in views.py, write endpoints in write.py."""

from django.urls import URLPattern, URLResolver

app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = []
