"""The audit log moves from moderation down to catalog, without touching its table.

Publication (catalog) writes audit entries in the same transaction as the
state it changes, so the model belongs to the core. The table keeps its name
(moderation_auditentry), its append-only trigger and its indexes; only
Django's state moves. The content type is renamed so that granted
permissions (view, export) follow the model.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    old = content_type.objects.filter(app_label="moderation", model="auditentry")
    if content_type.objects.filter(app_label="catalog", model="auditentry").exists():
        return
    old.update(app_label="catalog")


def move_content_type_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="catalog", model="auditentry").update(
        app_label="moderation"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_evidence_method"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("moderation", "0002_audit_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        ("actor_name", models.CharField(blank=True, max_length=150)),
                        ("action", models.CharField(db_index=True, max_length=60)),
                        ("target_type", models.CharField(max_length=60)),
                        ("target_id", models.CharField(blank=True, max_length=64)),
                        ("target_repr", models.CharField(blank=True, max_length=300)),
                        ("before", models.JSONField(blank=True, default=dict)),
                        ("after", models.JSONField(blank=True, default=dict)),
                        ("reason", models.TextField(blank=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit entry",
                        "verbose_name_plural": "audit log",
                        "db_table": "moderation_auditentry",
                        "ordering": ["-created_at", "-id"],
                        "permissions": [("export_auditentry", "Can export the audit log")],
                        "default_permissions": ("view",),
                        "indexes": [
                            models.Index(
                                fields=["target_type", "target_id"],
                                name="moderation__target__e56450_idx",
                            ),
                            models.Index(
                                fields=["actor", "-created_at"],
                                name="moderation__actor_i_0e08f5_idx",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back, elidable=False),
    ]
