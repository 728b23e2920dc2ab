"""A covering index for the evidence-kind facet and the per-claim evidence counts.

Created on both SQLite and PostgreSQL (partial indexes work on both). It indexes
catalog_evidence, a table of the catalog app, from here because only the reader
site's queries need it (docs/public-site.md).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("public", "0002_search_vectors"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX catalog_evidence_published_claim_kind "
            "ON catalog_evidence (claim_id, kind) WHERE state = 'published'",
            "DROP INDEX catalog_evidence_published_claim_kind",
        ),
    ]
