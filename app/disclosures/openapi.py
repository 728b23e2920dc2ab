"""The OpenAPI description of this app's endpoints, merged by `app.api.openapi.document`."""

from __future__ import annotations

import copy
from typing import Any

from app.catalog.choices import choice_values
from app.disclosures.models import CaseStatus, DisclosureKind, EventKind, GapState, PartyRole
from app.disclosures.sections import CODES

S: dict[str, Any] = {"type": "string"}
N: dict[str, Any] = {"type": ["string", "null"]}
D: dict[str, Any] = {"type": ["string", "null"], "format": "date"}
B: dict[str, Any] = {"type": "boolean"}
I: dict[str, Any] = {"type": "integer"}  # noqa: E741


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(name: str) -> dict[str, Any]:
    return _obj({"results": {"type": "array", "items": _ref(name)}})


def _enum(values: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": values}


def _ok(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "200": {"description": text, "content": {"application/json": {"schema": schema}}},
        "404": {"description": "Not found, or not published."},
    }


def _q(name: str, text: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": text,
            "schema": schema or S}  # fmt: skip


def _p(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


SECTION = _obj({"code": _enum(list(CODES)), "title": S, "text": S,
                "data": {"type": "object"}, "stated": B})  # fmt: skip
DISCLOSURE = _obj({
    "id": I, "model": S, "kind": _enum(choice_values(DisclosureKind)), "title": S, "version": S,
    "published_on": D, "supersedes": {"type": ["integer", "null"]},
    "source": _obj({"id": I, "url": S}), "is_demo": B,
    "published_at": {"type": ["string", "null"], "format": "date-time"}, "url": S,
    "sections": {"type": "array", "items": _ref("DisclosureSection")},
})  # fmt: skip
CASE = _obj({
    "slug": S, "title": S, "court": S, "docket_number": S, "filed_on": D, "judge": S,
    "status": _enum(choice_values(CaseStatus)), "summary": S, "is_demo": B, "url": S,
})  # fmt: skip
CASE_DETAIL = {
    "allOf": [
        _ref("Case"),
        _obj({
            "parties": {"type": "array", "items": _obj({
                "entity": S, "name": S, "role": _enum(choice_values(PartyRole))})},
            "events": {"type": "array", "items": _obj({
                "date": D, "kind": _enum(choice_values(EventKind)), "title": S,
                "description": S, "document": N})},
            "documents": {"type": "array", "items": _obj({
                "docket_entry": S, "title": S, "filed_on": D,
                "source": _obj({"id": I, "url": S})})},
            "models": {"type": "array", "items": S},
            "claims": {"type": "array", "items": S},
        }),
    ]
}  # fmt: skip
GAP_CELL = _obj({
    "disclosure": _enum(["declared", "not_stated", "no_summary", "no_disclosure"]),
    "state": {"type": ["string", "null"], "enum": [*choice_values(GapState), None]},
    "claims": {"type": "array", "items": _obj({
        "claim": S, "state": _enum(choice_values(GapState)), "note": S})},
})  # fmt: skip
GAP = _obj({
    "developer": S, "claims": I,
    "models": {"type": "array", "items": _obj({
        "model": S, "on_eu_market": B, "no_summary_found": B,
        "sections": {"type": "object", "additionalProperties": _ref("GapCell")}})},
})  # fmt: skip

SCHEMAS: dict[str, Any] = {
    "DisclosureSection": SECTION,
    "Disclosure": DISCLOSURE,
    "Case": CASE,
    "CaseDetail": CASE_DETAIL,
    "GapCell": GAP_CELL,
    "DeveloperGap": GAP,
}

PATHS: dict[str, Any] = {
    "/disclosures": {"get": {
        "operationId": "listDisclosures",
        "summary": "Published disclosures (what developers declared), with every EU template "
                   "section",
        "parameters": [_q("model", "Slug of the AI model.")],
        "responses": _ok(_list("Disclosure"), "Disclosures."),
    }},
    "/disclosures/{id}": {"get": {
        "operationId": "getDisclosure", "summary": "One published disclosure",
        "parameters": [_p("id", I)], "responses": _ok(_ref("Disclosure"), "The disclosure."),
    }},
    "/cases": {"get": {
        "operationId": "listCases", "summary": "Published court cases",
        "parameters": [
            _q("status", "Case status.", _enum(choice_values(CaseStatus))),
            _q("model", "Slug of a model the case concerns."),
            _q("party", "Slug of a party."),
        ],
        "responses": {**_ok(_list("Case"), "Cases."), "400": {"description": "Bad filter."}},
    }},
    "/cases/{slug}": {"get": {
        "operationId": "getCase", "summary": "One published case with its timeline",
        "parameters": [_p("slug", S)], "responses": _ok(_ref("CaseDetail"), "The case."),
    }},
    "/developers/{slug}/gap": {"get": {
        "operationId": "getDeveloperGap",
        "summary": "A developer's disclosure gap: models × EU template sections, the claims "
                   "behind each cell",
        "parameters": [_p("slug", S)], "responses": _ok(_ref("DeveloperGap"), "The table."),
    }},
}  # fmt: skip

EXPORTS = ["disclosures", "gap", "cases"]


def merge(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Add this app's paths and schemas, and its export names to the exports' dataset enum."""
    paths.update(copy.deepcopy(PATHS))
    schemas.update(copy.deepcopy(SCHEMAS))
    for operation in paths.get("/exports/{dataset}.{format}", {}).values():
        for parameter in operation.get("parameters", []):
            enum = parameter.get("schema", {}).get("enum")
            if parameter.get("name") == "dataset" and isinstance(enum, list):
                enum.extend(name for name in EXPORTS if name not in enum)
