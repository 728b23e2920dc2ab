from django.apps import AppConfig


class MonitorConfig(AppConfig):
    """Link health, edit tracking, time-coded video frames and the Wayback witness."""

    name = "app.monitor"
    label = "monitor"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from app.monitor import signals

        signals.connect()
