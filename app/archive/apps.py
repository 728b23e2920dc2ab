from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "app.archive"
    label = "archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from app.archive.services import capture_for_new_source
        from app.catalog.signals import source_created

        source_created.connect(capture_for_new_source, dispatch_uid="archive-first-capture")
