from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "app.moderation"
    label = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from app.moderation import login_audit, signals

        signals.connect()
        login_audit.connect()
