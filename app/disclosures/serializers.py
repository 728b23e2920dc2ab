"""One shape per record, for the API, the exports and anything else that writes JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.disclosures.models import Case, Disclosure, DisclosureSection, GapEntry
from app.disclosures.sections import BY_CODE


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def section_dict(section: DisclosureSection) -> dict[str, Any]:
    spec = BY_CODE.get(section.code)
    return {
        "code": section.code,
        "title": str(spec.title) if spec else section.code,
        "text": section.text,
        "data": section.data,
        "stated": not section.is_empty,
    }


def disclosure_dict(item: Disclosure, *, sections: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.pk,
        "model": item.model.slug,
        "kind": item.kind,
        "title": item.title,
        "version": item.version_label,
        "published_on": _iso(item.published_on),
        "supersedes": item.supersedes_id,
        "source": {"id": item.source_id, "url": item.source.url},
        "is_demo": item.is_demo,
        "published_at": _iso(item.published_at),
        "url": item.get_absolute_url(),
    }
    if sections:
        data["sections"] = [section_dict(s) for s in item.sections.all()]
    return data


def gap_dict(entry: GapEntry) -> dict[str, Any]:
    return {
        "claim": entry.claim.slug,
        "model": entry.model.slug,
        "section": entry.section,
        "state": entry.gap_state,
        "note": entry.note,
        "disclosure": entry.disclosure_id,
        "is_demo": entry.is_demo,
    }


def case_dict(case: Case, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": case.slug,
        "title": case.title,
        "court": case.court,
        "docket_number": case.docket_number,
        "filed_on": _iso(case.filed_on),
        "judge": case.judge,
        "status": case.status,
        "summary": case.summary,
        "is_demo": case.is_demo,
        "url": case.get_absolute_url(),
    }
    if detail:
        data["parties"] = [
            {"entity": p.entity.slug, "name": p.entity.name, "role": p.role}
            for p in case.parties.all()
        ]
        data["events"] = [
            {"date": _iso(e.date), "kind": e.kind, "title": e.title,
             "description": e.description,
             "document": e.document.docket_entry if e.document else None}
            for e in case.events.all()
        ]  # fmt: skip
        data["documents"] = [
            {"docket_entry": d.docket_entry, "title": d.title, "filed_on": _iso(d.filed_on),
             "source": {"id": d.source_id, "url": d.source.url}}
            for d in case.documents.all()
        ]  # fmt: skip
        data["models"] = [m.slug for m in case.models_concerned.all()]
    return data
