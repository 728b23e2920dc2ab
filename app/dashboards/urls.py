from django.urls import URLPattern, path

from app.dashboards import views

app_name = "dashboards"
urlpatterns: list[URLPattern] = [
    path("overview/", views.overview, name="overview"),
    path("newsroom/", views.newsroom, name="newsroom"),
]
