from __future__ import annotations

from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "app.disclosures"
    label = "disclosures"
    verbose_name = "Disclosures, the disclosure gap and court cases"

    def ready(self) -> None:
        from app.disclosures import signals  # noqa: F401
        from app.disclosures.queries import public_claim_fragment_exists
        from app.public import sections

        # The claim page's own query asks whether the gap has anything to show.
        sections.register("disclosure_gap", public_claim_fragment_exists)
