from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "app.public"
    label = "public"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from app.public import signals

        signals.connect()
