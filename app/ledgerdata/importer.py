"""Bulk import of the ledger: JSON Lines in the shapes of API v1, or the CSV form.

Each record is validated on its own and written in its own savepoint through the
domain services (`app.catalog.services`) and the one publication action
(`app.catalog.publication.publication_set`): claims and evidence land as
drafts or pending review, never published. A refused record leaves nothing
behind and is reported with its line, field and message. Every record has a
stable external id (given, or derived from what it says), recorded in
`ImportedRecord`, so importing the same file twice changes nothing. New
sources get their first capture queued, spaced ``CAPTURES_PER_MINUTE`` apart.

The formats are in docs/data.md.
"""

from __future__ import annotations

import csv
import gc
import gzip
import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from app.accounts.models import User
from app.archive.models import Capture, CaptureStatus
from app.catalog import publication
from app.catalog.access import can_set_verdict
from app.catalog.choices import (
    DeveloperResponse,
    EntityKind,
    EvidenceKind,
    PublicationState,
    SourceKind,
    Stance,
    Strength,
    Verdict,
)
from app.catalog.models import Claim, Entity, Evidence, Source
from app.catalog.services import (
    claim_create,
    entity_create,
    evidence_add,
    source_add,
    source_metadata_update,
    verdict_set,
)
from app.ledgerdata import linked
from app.ledgerdata.models import ImportedRecord, ImportRun
from app.lib.urls import InvalidURL, normalize_url

CAPTURES_PER_MINUTE = 30
MAX_REPORT = 2000
MAX_LINE_BYTES = 1_000_000
GC_EVERY = 25  # records between full garbage collections (memory stays flat)
TYPES = ("entity", "source", "claim", "evidence", "relation", "disclosure", "case")
# A dump's files are named after their record type: claims.jsonl.gz holds claims. In
# dependency order: a dump folder is imported in this order.
FILE_TYPES = {
    "entities": "entity", "sources": "source", "claims": "claim", "evidence": "evidence",
    "relations": "relation", "disclosures": "disclosure", "cases": "case",
}  # fmt: skip

CSV_COLUMNS = (
    "claim_id", "statement", "summary", "first_seen", "language", "models", "developer",
    "content", "content_kind", "evidence_id", "evidence_kind", "stance", "evidence_summary",
    "quote", "locator", "time_start", "time_end", "source_url", "source_kind", "source_title",
    "source_publisher", "source_published_on",
)  # fmt: skip


class Refused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Outcome:
    created: int = 0
    unchanged: int = 0
    refused: int = 0
    processed: int = 0
    captures_queued: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def refuse(self, line: int, field: str, message: str) -> None:
        self.refused += 1
        if len(self.problems) < MAX_REPORT:
            self.problems.append({"line": line, "field": field, "message": message})


# --- Reading -------------------------------------------------------------------------


def _text(raw: bytes) -> str:
    """A line's text; invalid UTF-8 is refused with the offset of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused("", f"Not valid UTF-8 (byte {exc.start + 1} of the line).") from None


def jsonl_records(handle: IO[bytes], default_type: str = "") -> Iterator[tuple[int, Any]]:
    """(line number, record or `Refused`) for each non-empty line."""
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        try:
            if len(raw) > MAX_LINE_BYTES:
                raise Refused("", f"The line is longer than {MAX_LINE_BYTES} bytes.")
            data = json.loads(_text(raw))
            if not isinstance(data, dict):
                raise Refused("", "Each line must be a JSON object.")
            if default_type and "type" not in data:
                data["type"] = default_type
            yield number, data
        except json.JSONDecodeError as exc:
            yield number, Refused("", f"Not JSON: {exc.msg} (column {exc.colno}).")
        except Refused as refused:
            yield number, refused


def csv_records(handle: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """The CSV form: each row is one evidence item with its claim; rows sharing a
    ``claim_id`` (else a statement) belong to the same claim."""
    text = io.TextIOWrapper(handle, encoding="utf-8", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    missing = [c for c in ("statement", "source_url") if c not in (reader.fieldnames or [])]
    if missing:
        yield 1, Refused("", f"The header lacks {', '.join(missing)} (see the template).")
        return
    for row in reader:
        line = reader.line_num
        if any("\udc80" <= ch <= "\udcff" for value in row.values() for ch in (value or "")):
            yield line, Refused("", "Not valid UTF-8.")
            continue
        if None in row:
            yield line, Refused("", "The row has more cells than the header.")
            continue
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        claim_key = cells.get("claim_id") or _digest(cells.get("statement", ""))
        content_kind = cells.get("content_kind") or EntityKind.WORK
        yield (
            line,
            {
                "type": "claim",
                "_row_of_claim": True,
                "external_id": f"csv-claim:{claim_key}",
                "statement": cells.get("statement", ""),
                "summary": cells.get("summary", ""),
                "first_seen": cells.get("first_seen") or None,
                "language": cells.get("language") or "en",
                "models": [
                    {"name": n, "kind": EntityKind.MODEL, "developer": cells.get("developer", "")}
                    for n in _split(cells.get("models", ""))
                ],
                "content": [
                    {"name": n, "kind": content_kind} for n in _split(cells.get("content", ""))
                ],
            },
        )
        if cells.get("source_url") or cells.get("evidence_summary"):
            yield (
                line,
                {
                    "type": "evidence",
                    "external_id": cells.get("evidence_id") or "",
                    "claim_external_id": f"csv-claim:{claim_key}",
                    "kind": cells.get("evidence_kind", ""),
                    "stance": cells.get("stance", ""),
                    "summary": cells.get("evidence_summary", ""),
                    "quote": cells.get("quote", ""),
                    "locator": cells.get("locator", ""),
                    "time_start": cells.get("time_start") or None,
                    "time_end": cells.get("time_end") or None,
                    "source": {
                        "url": cells.get("source_url", ""),
                        "kind": cells.get("source_kind", ""),
                        "title": cells.get("source_title", ""),
                        "publisher": cells.get("source_publisher", ""),
                        "published_on": cells.get("source_published_on") or None,
                    },
                },
            )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def open_records(handle: IO[bytes], name: str) -> Iterator[tuple[int, Any]]:
    """Records of a file by its name: ``.jsonl``/``.json`` or ``.csv``, optionally ``.gz``."""
    path = PurePath(name.lower())
    suffixes = path.suffixes
    stream: IO[bytes] = handle
    if suffixes and suffixes[-1] == ".gz":
        stream = gzip.GzipFile(fileobj=handle)  # type: ignore[assignment]
        suffixes = suffixes[:-1]
    stem = path.name.split(".")[0]
    if suffixes and suffixes[-1] == ".csv":
        if stem in FILE_TYPES:  # a dump's CSV: the API shape, one record type per file
            return dump_csv_records(stream, FILE_TYPES[stem])
        return csv_records(stream)
    return jsonl_records(stream, FILE_TYPES.get(stem, ""))


def dump_csv_records(handle: IO[bytes], record_type: str) -> Iterator[tuple[int, Any]]:
    """A dump's CSV file: API field names, lists and objects as JSON text."""
    text = io.TextIOWrapper(handle, encoding="utf-8", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    for row in reader:
        data: dict[str, Any] = {"type": record_type}
        for key, value in row.items():
            value = value or ""
            if value[:1] in ("[", "{"):
                try:
                    data[key] = json.loads(value)
                    continue
                except json.JSONDecodeError:
                    pass
            data[key] = value if value != "" else None
        yield reader.line_num, data


def count_records(handle: IO[bytes], name: str) -> int:
    return sum(1 for _ in open_records(handle, name))


# --- Validation helpers ------------------------------------------------------------------


def _str(data: dict[str, Any], name: str, *, required: bool = False, limit: int = 20000) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(name, f"Must be text, not {type(value).__name__}.")
    value = value.strip()
    if required and not value:
        raise Refused(name, "Required.")
    if len(value) > limit:
        raise Refused(name, f"Longer than {limit} characters.")
    return value


def _choice(data: dict[str, Any], name: str, choices: Any, *, default: str = "") -> str:
    value = _str(data, name) or default
    if value not in choices.values:
        allowed = ", ".join(v for v in choices.values if v)
        raise Refused(name, f"“{value}” is not one of: {allowed}.")
    return value


def _date(data: dict[str, Any], name: str) -> date | None:
    value = _str(data, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise Refused(name, f"“{value}” is not a date (YYYY-MM-DD).") from None


def _seconds(data: dict[str, Any], name: str) -> Decimal | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Refused(name, "Must be a number of seconds.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise Refused(name, f"“{value}” is not a number of seconds.") from None
    if not number.is_finite() or number < 0 or number >= 10**6:
        raise Refused(name, "Must be a number of seconds from 0 to 999999.")
    return number.quantize(Decimal("0.001"))


def _url(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Refused(name, "Required: the source's address.")
    try:
        normalize_url(value)
    except InvalidURL as exc:
        raise Refused(name, f"Not a usable web address: {exc}") from None
    return value.strip()


# --- The importer ----------------------------------------------------------------------------


class Importer:
    def __init__(
        self,
        *,
        actor: User,
        submit: bool = True,
        run: ImportRun | None = None,
        progress: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.actor = actor
        self.submit = submit
        self.run = run
        self.progress = progress
        self.outcome = Outcome()
        # This pass's mark on the external ids it meets (`ImportedRecord.batch`): the
        # duplicate check reads the database, so no per-record state grows in memory.
        self.batch = uuid.uuid4().hex
        self.next_capture_at = timezone.now()

    # -- the loop --

    def import_records(self, records: Iterator[tuple[int, Any]]) -> Outcome:
        # What exists now is moved out of the collector's sight, so the periodic collection
        # below scans only what this import made (a full one scans the whole process).
        gc.collect()
        gc.freeze()
        try:
            return self._import_records(records)
        finally:
            gc.unfreeze()

    def _import_records(self, records: Iterator[tuple[int, Any]]) -> Outcome:
        for line, record in records:
            self.outcome.processed += 1
            if isinstance(record, Refused):
                self.outcome.refuse(line, record.field, record.message)
            else:
                self.one(line, record)
            if self.outcome.processed % GC_EVERY == 0:
                # Each record leaves reference cycles behind (Django's compiled queries,
                # simple-history's per-access manager classes); Python's full collection
                # comes only after a quarter of the whole heap, so without this the peak
                # grows with the file (bench/import_memory.py --top shows where).
                gc.collect()
            if self.progress is not None and self.outcome.processed % 25 == 0:
                self.progress(self.outcome)
        if self.progress is not None:
            self.progress(self.outcome)
        return self.outcome

    def one(self, line: int, data: dict[str, Any]) -> None:
        try:
            kind = data.get("type")
            if kind not in TYPES:
                raise Refused("type", f"Must be one of {', '.join(TYPES)}, not {kind!r}.")
            key = self._external_id(kind, data)
            known = ImportedRecord.objects.filter(record_type=kind, external_id=key)
            met = known.values_list("batch", "line").first()
            if met is not None and met[0] == self.batch:
                if data.get("_row_of_claim"):
                    return  # the CSV form repeats a claim on each of its evidence rows
                raise Refused(
                    "external_id", f"Duplicate external id {key!r} (first on line {met[1]})."
                )
            if met is not None:  # imported before: nothing changes but the mark
                known.update(batch=self.batch, line=line)
                self.outcome.unchanged += 1
                return
            with transaction.atomic():  # a savepoint: a refused record leaves nothing
                obj = getattr(self, f"_{kind}")(data)
                if obj is None:
                    self.outcome.unchanged += 1
                    return
                ImportedRecord.objects.create(
                    record_type=kind,
                    external_id=key,
                    object_id=obj.pk,
                    run=self.run,
                    batch=self.batch,
                    line=line,
                )
            self.outcome.created += 1
        except Refused as refused:
            self.outcome.refuse(line, refused.field, refused.message)
        except (ValueError, ValidationError, publication.PublicationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.outcome.refuse(line, "", message)

    def _external_id(self, kind: str, data: dict[str, Any]) -> str:
        given = data.get("external_id")
        if given not in (None, ""):
            if not isinstance(given, (str, int)) or isinstance(given, bool):
                raise Refused("external_id", "Must be text or a whole number.")
            text = str(given).strip()
            if len(text) > 300:
                raise Refused("external_id", "Longer than 300 characters.")
            return text
        if kind in ("entity", "claim"):
            slug = _str(data, "slug", limit=120)
            if slug:
                return f"{kind}:{slug}"
            return f"{kind}:{_digest(data.get('name'), data.get('kind'), data.get('statement'))}"
        if kind == "source":
            return f"source:{normalize_url(_url(data.get('url'), 'url'))}"
        if kind in ("relation", "disclosure", "case"):
            return str(getattr(linked, f"{kind}_key")(data))
        source = data.get("source") if isinstance(data.get("source"), dict) else {}
        return "evidence:" + _digest(
            data.get("claim"), data.get("claim_external_id"), (source or {}).get("url"),
            data.get("kind"), data.get("stance"), data.get("summary"), data.get("quote"),
            data.get("locator"),
        )  # fmt: skip

    def _mapped(self, kind: str, key: str) -> int | None:
        row = ImportedRecord.objects.filter(record_type=kind, external_id=key).first()
        return row.object_id if row else None

    # -- entities --

    def _entity(self, data: dict[str, Any]) -> Entity:
        name = _str(data, "name", required=True, limit=200)
        kind = _choice(data, "kind", EntityKind)
        developer = data.get("developer")
        developer_name = ""
        if isinstance(developer, dict):
            developer_name = _str(developer, "name", limit=200)
        elif isinstance(developer, str):
            developer_name = developer.strip()
        elif developer is not None:
            raise Refused("developer", "Must be an entity (with a name) or a name.")
        if developer_name and kind != EntityKind.MODEL:
            raise Refused("developer", "Only an AI model has a developer.")
        entity = entity_create(
            actor=self.actor, name=name, kind=kind, developer_name=developer_name
        ).entity
        slug = _str(data, "slug", limit=120)
        if slug and slug != entity.slug:
            ImportedRecord.objects.get_or_create(
                record_type="entity-slug",
                external_id=slug,
                defaults={"object_id": entity.pk, "run": self.run},
            )
        return entity

    def _entity_ref(self, value: Any, field_name: str, default_kind: str) -> Entity:
        if isinstance(value, str):
            value = {"slug": value}
        if not isinstance(value, dict):
            raise Refused(field_name, "Must be an entity slug or an object with a name and kind.")
        slug = value.get("slug")
        if slug:
            if not isinstance(slug, str):
                raise Refused(field_name, "An entity slug must be text.")
            found = self._mapped("entity-slug", slug)
            entity = Entity.objects.filter(pk=found).first() if found else None
            entity = entity or Entity.objects.filter(slug=slug).first()
            if entity is not None:
                return entity
        if value.get("name"):
            kind = value.get("kind") or default_kind
            if kind not in EntityKind.values:
                raise Refused(field_name, f"“{kind}” is not an entity kind.")
            developer = value.get("developer") or ""
            developer = developer.get("name", "") if isinstance(developer, dict) else developer
            if not isinstance(developer, str) or not isinstance(value["name"], str):
                raise Refused(field_name, "Names must be text.")
            result = entity_create(
                actor=self.actor,
                name=value["name"],
                kind=kind,
                developer_name=developer if kind == EntityKind.MODEL else "",
            )
            if slug and slug != result.entity.slug:
                ImportedRecord.objects.get_or_create(
                    record_type="entity-slug",
                    external_id=slug,
                    defaults={"object_id": result.entity.pk, "run": self.run},
                )
            return result.entity
        raise Refused(
            field_name, f"Unknown entity {slug!r}: import it first or give its name and kind."
        )

    def _entities(self, data: dict[str, Any], name: str, default_kind: str) -> list[Entity]:
        values = data.get(name) or []
        if not isinstance(values, list):
            raise Refused(name, "Must be a list of entities.")
        return [self._entity_ref(v, f"{name}[{i}]", default_kind) for i, v in enumerate(values)]

    # -- sources --

    def _new_source(self, data: dict[str, Any], field_name: str) -> Source:
        url = _url(data.get("url"), f"{field_name}.url" if field_name else "url")
        kind = _str(data, "kind")
        if kind and kind not in SourceKind.values:
            raise Refused(
                f"{field_name}.kind" if field_name else "kind", f"“{kind}” is not a source kind."
            )
        title = _str(data, "title", limit=500)
        publisher = _str(data, "publisher", limit=200)
        published_on = _date(data, "published_on")
        result = source_add(url=url, actor=self.actor, kind=kind)
        if result.created:
            self._space_capture(result.source)
            source_metadata_update(
                source=result.source,
                actor=self.actor,
                title=title,
                publisher=publisher,
                published_on=published_on,
            )
        return result.source

    def _source(self, data: dict[str, Any]) -> Source:
        return self._new_source(data, "")

    def _space_capture(self, source: Source) -> None:
        """A new source's first capture waits its turn: at most CAPTURES_PER_MINUTE."""
        now = timezone.now()
        self.next_capture_at = max(self.next_capture_at, now)
        queued = Capture.objects.filter(source=source, status=CaptureStatus.QUEUED)
        updated = queued.update(not_before=self.next_capture_at)
        self.outcome.captures_queued += updated
        self.next_capture_at += timedelta(seconds=60 / CAPTURES_PER_MINUTE)

    # -- claims --

    def _claim(self, data: dict[str, Any]) -> Claim:
        statement = _str(data, "statement", required=True, limit=400)
        fields: dict[str, Any] = {
            "summary": _str(data, "summary"),
            "first_seen": _date(data, "first_seen"),
            "language": _str(data, "language", limit=12) or "en",
            "developer_response": _choice(
                data,
                "developer_response",
                DeveloperResponse,
                default=DeveloperResponse.NOT_CONTACTED,
            ),
            "developer_contacted_on": _date(data, "developer_contacted_on"),
            "developer_contact_channel": _str(data, "developer_contact_channel", limit=200),
        }
        verdict = _choice(data, "verdict", Verdict, default=Verdict.UNVERIFIED)
        strength = _choice(data, "evidence_strength", Strength, default="")
        models = self._entities(data, "models", EntityKind.MODEL)
        content = self._entities(data, "content", EntityKind.WORK)
        claim = claim_create(
            actor=self.actor, statement=statement, models=models, content=content, **fields
        )
        if (verdict != Verdict.UNVERIFIED or strength) and can_set_verdict(self.actor):
            verdict_set(
                claim=claim,
                verdict=verdict,
                strength=strength,
                note="Imported with the verdict the file records.",
                actor=self.actor,
            )
        if self.submit:
            publication.publication_set(claim, PublicationState.PENDING, actor=self.actor)
        slug = _str(data, "slug", limit=120)
        if slug and slug != claim.slug:
            ImportedRecord.objects.get_or_create(
                record_type="claim-slug",
                external_id=slug,
                defaults={"object_id": claim.pk, "run": self.run},
            )
        return claim

    def _claim_for(self, data: dict[str, Any]) -> Claim:
        key = data.get("claim_external_id")
        if key:
            found = self._mapped("claim", str(key))
            claim = Claim.objects.filter(pk=found).first() if found else None
            if claim is None:
                raise Refused(
                    "claim_external_id", f"No imported claim has the external id {key!r}."
                )
            return claim
        slug = data.get("claim")
        if not isinstance(slug, str) or not slug.strip():
            raise Refused("claim", "Required: the slug of the claim this item bears on.")
        for kind, ext in (("claim", f"claim:{slug}"), ("claim-slug", slug)):
            found = self._mapped(kind, ext)
            if found:
                return Claim.objects.get(pk=found)
        claim = Claim.objects.filter(slug=slug).first()
        if claim is None:
            raise Refused("claim", f"Unknown claim {slug!r}: import it first.")
        return claim

    # -- evidence --

    def _evidence(self, data: dict[str, Any]) -> Evidence:
        claim = self._claim_for(data)
        kind = _choice(data, "kind", EvidenceKind)
        stance = _choice(data, "stance", Stance)
        summary = _str(data, "summary", required=True, limit=5000)
        source = data.get("source")
        if isinstance(source, str):
            source = {"url": source}
        if not isinstance(source, dict):
            raise Refused("source", "Must be an object with the source's url.")
        start, end = _seconds(data, "time_start"), _seconds(data, "time_end")
        if end is not None and (start is None or end <= start):
            raise Refused("time_end", "Must come after time_start.")
        found = self._new_source(source, "source")
        item = evidence_add(
            claim=claim,
            actor=self.actor,
            url=found.url,
            kind=kind,
            stance=stance,
            summary=summary,
            quote=_str(data, "quote", limit=5000),
            locator=_str(data, "locator", limit=200),
            time_start=start,
            time_end=end,
            submit=False,
        ).evidence
        if self.submit and claim.state != PublicationState.DRAFT:
            publication.publication_set(item, PublicationState.PENDING, actor=self.actor)
        return item

    # -- relations, disclosures, cases (app/ledgerdata/linked.py) --

    def _relation(self, data: dict[str, Any]) -> Any:
        return linked.relation(self, data)

    def _disclosure(self, data: dict[str, Any]) -> Any:
        return linked.disclosure(self, data)

    def _case(self, data: dict[str, Any]) -> Any:
        return linked.case(self, data)


def import_file(
    handle: IO[bytes],
    name: str,
    *,
    actor: User,
    submit: bool = True,
    run: ImportRun | None = None,
    progress: Callable[[Outcome], None] | None = None,
) -> Outcome:
    importer = Importer(actor=actor, submit=submit, run=run, progress=progress)
    return importer.import_records(open_records(handle, name))
