from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo case (``manage.py seed_demo``): a top-layer app, since it builds archived
    copies (WARCs, manifests) through ``app.archive`` and writes claims through ``app.catalog``."""

    name = "app.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
