from django.apps import AppConfig


class EditorConfig(AppConfig):
    name = "app.editor"
    label = "editor"
    default_auto_field = "django.db.models.BigAutoField"
