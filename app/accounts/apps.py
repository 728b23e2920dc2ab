from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "app.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from app.accounts.roles import ensure_roles

        # After the last app has migrated, so every permission exists.
        post_migrate.connect(ensure_roles, dispatch_uid="accounts.ensure_roles")
