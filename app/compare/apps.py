from django.apps import AppConfig


class CompareConfig(AppConfig):
    name = "app.compare"
    label = "compare"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from app.archive.package import EXTRA_BUNDLES
        from app.compare import signals
        from app.compare.package import comparison_bundles

        signals.connect()  # purge cached public pages when a comparison changes

        # A claim's evidence package carries its reviewed comparisons (app/archive/package.py).
        if comparison_bundles not in EXTRA_BUNDLES:
            EXTRA_BUNDLES.append(comparison_bundles)
