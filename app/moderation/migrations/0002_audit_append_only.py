"""The audit log is append-only at the database level (PostgreSQL).

A BEFORE UPDATE OR DELETE trigger raises, so not even raw SQL from the
application can rewrite history. TRUNCATE is left to the database owner
(test runs flush tables with it). SQLite relies on the model's guards.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION moderation_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'moderation_auditentry is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_auditentry_append_only
    BEFORE UPDATE OR DELETE ON moderation_auditentry
    FOR EACH ROW EXECUTE FUNCTION moderation_auditentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS moderation_auditentry_append_only ON moderation_auditentry;
DROP FUNCTION IF EXISTS moderation_auditentry_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
