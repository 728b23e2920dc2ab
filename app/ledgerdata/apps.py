from django.apps import AppConfig


class LedgerDataConfig(AppConfig):
    """The ledger's data in and out in bulk: dumps, PROV lineage, bulk import."""

    name = "app.ledgerdata"
    label = "ledgerdata"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from app.archive.package import EXTRA_STREAMS
        from app.ledgerdata.prov import package_member

        # The evidence package carries the claim's lineage, streamed into the ZIP
        # (app/archive/package.py's hook).
        if package_member not in EXTRA_STREAMS:
            EXTRA_STREAMS.append(package_member)
