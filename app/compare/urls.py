from django.urls import path

from app.compare import views

app_name = "compare"
urlpatterns = [
    path("comparisons/<int:pk>/", views.comparison_detail, name="detail"),
    path("comparisons/<int:pk>/files/<str:name>", views.comparison_file, name="file"),
]
