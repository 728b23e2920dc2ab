from django.urls import path

from app.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.health, name="health"),
    path("healthz/worker", views.worker_probe_send, name="worker-probe"),
    path("healthz/worker/<str:token>", views.worker_probe_status, name="worker-probe-status"),
]
