from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "app.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"
