"""Reading a Hugging Face model card and a Croissant JSON-LD file from an upload.

Files only: nothing is fetched from a hub. Parsing happens entirely before any
write, so a malformed file raises `ImportProblem` with a message for the editor
and leaves nothing behind; the writes then run in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from app.accounts.models import User
from app.catalog.choices import EntityKind
from app.catalog.models import Entity
from app.catalog.services import unique_slug
from app.disclosures.models import DatasetCard, Disclosure, DisclosureKind
from app.disclosures.services import SectionInput, disclosure_create

MAX_BYTES = 2 * 1024 * 1024


class ImportProblem(ValueError):
    """The file cannot be read; the message says why (views answer 400)."""


def _text(raw: bytes, what: str) -> str:
    if len(raw) > MAX_BYTES:
        raise ImportProblem(_("The %(what)s is larger than 2 MB.") % {"what": what})
    if not raw.strip():
        raise ImportProblem(_("The %(what)s is empty.") % {"what": what})
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblem(
            _("The %(what)s is not UTF-8 text (byte %(at)s).") % {"what": what, "at": error.start}
        ) from error


def _strings(value: Any, name: str) -> list[str]:
    """A YAML scalar or list of scalars as a list of non-empty strings."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict | list):
            raise ImportProblem(_("“%s” must be a name or a list of names.") % name)
        text = str(item).strip()
        if text:
            out.append(text[:300])
    return out


# --- Hugging Face model cards ---------------------------------------------------


@dataclass
class ModelCard:
    datasets: list[str] = field(default_factory=list)
    base_model: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    license: str = ""
    body: str = ""


def parse_model_card(raw: bytes) -> ModelCard:
    """The YAML front matter of a model card's README (between ``---`` lines)."""
    text = _text(raw, _("model card"))
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ImportProblem(_("The model card has no YAML front matter (it must start with ---)."))
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    except StopIteration as error:
        raise ImportProblem(
            _("The model card's front matter is not closed by a --- line.")
        ) from error
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = _(" at line %s") % (mark.line + 2) if mark is not None else ""
        raise ImportProblem(_("The front matter is not valid YAML%s.") % where) from error
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ImportProblem(_("The front matter must be a mapping of names to values."))
    card = ModelCard(
        datasets=_strings(meta.get("datasets"), "datasets"),
        base_model=_strings(meta.get("base_model"), "base_model"),
        languages=_strings(meta.get("language"), "language"),
        license=", ".join(_strings(meta.get("license"), "license")),
        body="\n".join(lines[end + 1 :]).strip(),
    )
    if not card.datasets and not card.base_model:
        raise ImportProblem(_("The front matter declares neither “datasets” nor “base_model”."))
    return card


def model_card_import(
    *, model: Entity, raw: bytes, url: str, actor: User, title: str = ""
) -> Disclosure:
    """A disclosure of kind "Hugging Face model card" from an uploaded README:
    its datasets under 2.1, its base model under 1.2, its languages under 1.3.
    ``url`` is the card's address, archived as the disclosure's source."""
    card = parse_model_card(raw)
    sections = {
        "1.2": SectionInput(
            text=_("Base model declared in the model card."),
            data={"base_model": card.base_model},
        )
        if card.base_model
        else SectionInput(),
        "1.3": SectionInput(data={"languages": card.languages}),
        "2.1": SectionInput(
            text=_("Datasets declared in the model card's “datasets” field."),
            data={"datasets": card.datasets},
        )
        if card.datasets
        else SectionInput(),
    }
    with transaction.atomic():
        return disclosure_create(
            model=model,
            actor=actor,
            kind=DisclosureKind.HF_CARD,
            title=title or _("Model card of %s") % model.name,
            url=url,
            sections=sections,
        )


# --- Croissant --------------------------------------------------------------------


@dataclass
class Croissant:
    name: str
    description: str = ""
    url: str = ""
    license: str = ""
    version: str = ""
    date_published: str = ""
    creators: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    distribution: list[dict[str, str]] = field(default_factory=list)
    record_sets: list[dict[str, Any]] = field(default_factory=list)
    sha256: str = ""


def _value(node: Any, *keys: str) -> Any:
    """A JSON-LD property under its plain or prefixed name (``name``, ``sc:name``,
    ``http://schema.org/name``)."""
    if not isinstance(node, dict):
        return None
    for key in keys:
        for candidate in (key, f"sc:{key}", f"schema:{key}", f"http://schema.org/{key}",
                          f"https://schema.org/{key}", f"cr:{key}"):  # fmt: skip
            if candidate in node:
                found = node[candidate]
                if isinstance(found, dict) and "@value" in found:
                    return found["@value"]
                return found
    return None


def _one(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = _value(value, "name") or value.get("@id") or _value(value, "url") or ""
    return str(value or "").strip()


def _many(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [text for text in (_one(item) for item in items) if text]


def parse_croissant(raw: bytes) -> Croissant:
    text = _text(raw, _("Croissant file"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportProblem(
            _("The Croissant file is not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
            % {"line": error.lineno, "col": error.colno, "msg": error.msg}
        ) from error
    if isinstance(data, dict) and isinstance(data.get("@graph"), list):
        data = next((n for n in data["@graph"] if "Dataset" in str(n.get("@type", ""))), None)
    if not isinstance(data, dict):
        raise ImportProblem(
            _("The Croissant file must be one JSON-LD object describing a dataset.")
        )
    kind = data.get("@type", "")
    if "Dataset" not in (" ".join(kind) if isinstance(kind, list) else str(kind)):
        raise ImportProblem(_("The JSON-LD object is not of @type sc:Dataset."))
    name = _one(_value(data, "name"))
    if not name:
        raise ImportProblem(_("The dataset has no name."))
    distribution = []
    for node in _value(data, "distribution") or []:
        if isinstance(node, dict):
            distribution.append({
                "name": _one(_value(node, "name") or node.get("@id")),
                "content_url": _one(_value(node, "contentUrl")),
                "encoding": _one(_value(node, "encodingFormat")),
                "sha256": _one(_value(node, "sha256")),
            })  # fmt: skip
    record_sets = []
    for node in _value(data, "recordSet") or []:
        if isinstance(node, dict):
            fields = [_one(_value(f, "name") or f.get("@id")) for f in _value(node, "field") or []]
            record_sets.append({"name": _one(_value(node, "name")), "fields": fields})
    return Croissant(
        name=name[:300],
        description=_one(_value(data, "description")),
        url=_one(_value(data, "url"))[:2000],
        license=", ".join(_many(_value(data, "license")))[:500],
        version=_one(_value(data, "version"))[:60],
        date_published=_one(_value(data, "datePublished"))[:40],
        creators=_many(_value(data, "creator")),
        keywords=_many(_value(data, "keywords")),
        distribution=distribution,
        record_sets=record_sets,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def croissant_import(*, raw: bytes, actor: User, dataset: Entity | None = None) -> DatasetCard:
    """Fill a dataset record from a Croissant file: the given dataset entity, or
    the one of that name, or a new one."""
    parsed = parse_croissant(raw)
    if dataset is not None and dataset.kind != EntityKind.DATASET:
        raise ImportProblem(_("“%s” is not a dataset.") % dataset.name)
    with transaction.atomic():
        if dataset is None:
            dataset = Entity.objects.filter(
                kind=EntityKind.DATASET, name__iexact=parsed.name
            ).first()
        if dataset is None:
            dataset = Entity.objects.create(
                kind=EntityKind.DATASET,
                name=parsed.name,
                slug=unique_slug(parsed.name, model=Entity),
                description=parsed.description[:5000],
                website=parsed.url if parsed.url.startswith(("http://", "https://")) else "",
                created_by=actor,
            )
        card, _created = DatasetCard.objects.update_or_create(
            dataset=dataset,
            defaults={
                "name": parsed.name,
                "description": parsed.description,
                "url": parsed.url if parsed.url.startswith(("http://", "https://")) else "",
                "license": parsed.license,
                "version": parsed.version,
                "date_published": parsed.date_published,
                "creators": parsed.creators,
                "keywords": parsed.keywords,
                "distribution": parsed.distribution,
                "record_sets": parsed.record_sets,
                "file_sha256": parsed.sha256,
                "imported_by": actor,
            },
        )
    return card
