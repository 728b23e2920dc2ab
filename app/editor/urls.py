from django.urls import URLPattern, URLResolver

app_name = "editor"
urlpatterns: list[URLPattern | URLResolver] = []
