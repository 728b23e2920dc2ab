from django.apps import AppConfig


class GraphConfig(AppConfig):
    """The training-data graph: relations, dataset indexes and "Is my work in it?"."""

    name = "app.graph"
    label = "graph"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from app.graph.models import DatasetVersion

        post_delete.connect(_drop_members, sender=DatasetVersion, dispatch_uid="graph-drop-members")


def _drop_members(sender: object, instance: object, **kwargs: object) -> None:
    """A deleted version takes its member rows (its partition on PostgreSQL) with it."""
    from app.graph import members

    members.drop(instance.pk)  # type: ignore[attr-defined]
