from __future__ import annotations

from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "app.disclosures"
    label = "disclosures"
    verbose_name = "Disclosures, the disclosure gap and court cases"

    def ready(self) -> None:
        from app.disclosures import signals  # noqa: F401
