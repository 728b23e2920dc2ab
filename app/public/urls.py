from django.urls import path

from app.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim"),
    path("entities/<slug:slug>/", views.entity_detail, name="entity"),
]
