from django.apps import AppConfig


class GraphConfig(AppConfig):
    """The training-data graph: relations, dataset indexes and "Is my work in it?"."""

    name = "app.graph"
    label = "graph"
    default_auto_field = "django.db.models.BigAutoField"
