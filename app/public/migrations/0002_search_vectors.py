"""Full-text search on PostgreSQL: stored, weighted tsvectors kept by triggers, GIN indexes.

The ``search_vector`` columns are added to catalog_claim, catalog_evidence and
public_sourcetext by SQL, not as model fields, so the ORM never loads them
(see docs/public-site.md). Each row is tokenized with its own language:
'english', 'french', or 'simple' when unknown (``trainedon_ts_config``).
Weights: claim statement A, claim summary B, evidence C, archived text D.

On SQLite nothing here runs; the site falls back to a plain substring search.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION trainedon_ts_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN lang ILIKE 'fr%' THEN 'french'::regconfig
              WHEN lang ILIKE 'en%' THEN 'english'::regconfig
              ELSE 'simple'::regconfig END
$$;

ALTER TABLE catalog_claim ADD COLUMN search_vector tsvector;
ALTER TABLE catalog_evidence ADD COLUMN search_vector tsvector;
ALTER TABLE public_sourcetext ADD COLUMN search_vector tsvector;

CREATE OR REPLACE FUNCTION trainedon_claim_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector(trainedon_ts_config(NEW.language), coalesce(NEW.statement, '')), 'A') ||
    setweight(to_tsvector(trainedon_ts_config(NEW.language), coalesce(NEW.summary, '')), 'B');
  RETURN NEW;
END $$;
CREATE TRIGGER catalog_claim_search BEFORE INSERT OR UPDATE OF statement, summary, language
  ON catalog_claim FOR EACH ROW EXECUTE FUNCTION trainedon_claim_search();

CREATE OR REPLACE FUNCTION trainedon_evidence_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := setweight(to_tsvector(
      trainedon_ts_config((SELECT language FROM catalog_claim WHERE id = NEW.claim_id)),
      coalesce(NEW.summary, '') || ' ' || coalesce(NEW.quote, '')
    ), 'C');
  RETURN NEW;
END $$;
CREATE TRIGGER catalog_evidence_search
  BEFORE INSERT OR UPDATE OF summary, quote, claim_id, search_vector
  ON catalog_evidence FOR EACH ROW EXECUTE FUNCTION trainedon_evidence_search();

-- Evidence is tokenized in its claim's language: re-tokenize it when that changes.
CREATE OR REPLACE FUNCTION trainedon_claim_language_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.language IS DISTINCT FROM OLD.language THEN
    UPDATE catalog_evidence SET search_vector = NULL WHERE claim_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER catalog_claim_language_changed AFTER UPDATE OF language
  ON catalog_claim FOR EACH ROW EXECUTE FUNCTION trainedon_claim_language_changed();

-- tsvector values are capped at 1 MB: index at most the first 500,000 characters.
CREATE OR REPLACE FUNCTION trainedon_sourcetext_search() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  src RECORD;
BEGIN
  SELECT language, title INTO src FROM catalog_source WHERE id = NEW.source_id;
  NEW.search_vector := setweight(to_tsvector(
      trainedon_ts_config(src.language),
      coalesce(src.title, '') || ' ' || left(coalesce(NEW.text, ''), 500000)
    ), 'D');
  RETURN NEW;
END $$;
CREATE TRIGGER public_sourcetext_search BEFORE INSERT OR UPDATE OF text, search_vector
  ON public_sourcetext FOR EACH ROW EXECUTE FUNCTION trainedon_sourcetext_search();

UPDATE catalog_claim SET statement = statement;
UPDATE catalog_evidence SET search_vector = NULL;
UPDATE public_sourcetext SET search_vector = NULL;

CREATE INDEX catalog_claim_search_gin ON catalog_claim USING gin (search_vector);
CREATE INDEX catalog_evidence_search_gin ON catalog_evidence USING gin (search_vector);
CREATE INDEX public_sourcetext_search_gin ON public_sourcetext USING gin (search_vector);
CREATE INDEX catalog_entity_name_trgm ON catalog_entity USING gin (name gin_trgm_ops);
"""

BACKWARD = r"""
DROP INDEX IF EXISTS catalog_entity_name_trgm;
DROP TRIGGER IF EXISTS public_sourcetext_search ON public_sourcetext;
DROP TRIGGER IF EXISTS catalog_claim_language_changed ON catalog_claim;
DROP TRIGGER IF EXISTS catalog_evidence_search ON catalog_evidence;
DROP TRIGGER IF EXISTS catalog_claim_search ON catalog_claim;
DROP FUNCTION IF EXISTS trainedon_sourcetext_search();
DROP FUNCTION IF EXISTS trainedon_claim_language_changed();
DROP FUNCTION IF EXISTS trainedon_evidence_search();
DROP FUNCTION IF EXISTS trainedon_claim_search();
ALTER TABLE public_sourcetext DROP COLUMN IF EXISTS search_vector;
ALTER TABLE catalog_evidence DROP COLUMN IF EXISTS search_vector;
ALTER TABLE catalog_claim DROP COLUMN IF EXISTS search_vector;
DROP FUNCTION IF EXISTS trainedon_ts_config(text);
"""


def _run(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("public", "0001_initial"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
