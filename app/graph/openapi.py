"""OpenAPI additions of the graph: /lookup, its answer, relations on claims, index metadata.

Merged into the API's document by `app.api.openapi.document` (the API sits above).
"""

from __future__ import annotations

import copy
from typing import Any

from app.catalog.choices import EntityKind, Strength, Verdict
from app.graph.models import Attribution, FileFormat, MemberKind, RelationKind, UseStage
from app.graph.serializers import EXPORTS

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
NUM: dict[str, Any] = {"type": "number"}
BOOL: dict[str, Any] = {"type": "boolean"}
SHA256: dict[str, Any] = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def _enum(values: list[str], nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if nullable:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


NODE = _obj({"slug": STR, "name": STR, "kind": _enum(EntityKind.values)})
LINK = _obj({
    "kind": _enum(RelationKind.values), "from": INT, "to": INT,
    "stage": _enum(UseStage.values, nullable=True),
    "attribution": _enum(Attribution.values, nullable=True),
    "claim": _obj({"slug": STR, "statement": STR, "verdict": _enum(Verdict.values),
                   "evidence_strength": _enum([s for s in Strength.values if s], nullable=True),
                   "evidence_count": INT, "url": STR}),
})  # fmt: skip
VERSION = _obj({"number": INT, "label": STR, "rows": INT, "imported_at": _null(STR),
                "file_sha256": SHA256, "source_url": _null(STR)})  # fmt: skip

SCHEMAS: dict[str, Any] = {
    "Relation": _obj({
        "kind": _enum(RelationKind.values), "from": NODE, "to": NODE,
        "stage": _enum(UseStage.values, nullable=True),
        "attribution": _enum(Attribution.values, nullable=True),
        "dataset_version": _null(INT), "note": STR,
    }),
    "DatasetIndex": _obj({
        "homepage": _null(STR), "license": _null(STR),
        "versions": {"type": "array", "items": _obj({
            "number": INT, "label": STR, "file_format": _enum(FileFormat.values),
            "file_sha256": SHA256, "file_size": INT, "rows": INT, "rejected_lines": INT,
            "imported_at": _null(STR), "source_url": _null(STR),
        })},
    }),
    "LookupLink": LINK,
    "LookupAnswer": _obj({
        "query": _null(_obj({"text": STR, "key": STR, "read_as": _enum(
            ["isbn", "video", "channel", "twitch", "url", "site", "title", "author", "text"])})),
        "datasets": {"type": "array", "items": _obj({
            "dataset": NODE,
            "match": _enum(["exact", "close"]),
            "versions": {"type": "array", "items": VERSION},
            "matches": {"type": "array", "items": _obj({
                "kind": _enum(MemberKind.values), "key": _null(STR), "title": _null(STR),
                "author": _null(STR), "channel_id": _null(STR), "host": _null(STR),
                "version": INT, "match": _enum(["exact", "close"]), "similarity": NUM,
            })},
            "memberships": {"type": "array", "items": _ref("LookupLink")},
            "models": {"type": "array", "items": _obj({
                "model": NODE, "path": {"type": "array", "items": NODE},
                "weakest_verdict": _enum(Verdict.values),
                "weakest_strength": _enum([s for s in Strength.values if s], nullable=True),
                "alleged": BOOL,
                "links": {"type": "array", "items": _ref("LookupLink")},
            })},
        })},
    }),
}  # fmt: skip

PATHS: dict[str, Any] = {
    "/lookup": {
        "get": {
            "operationId": "lookup",
            "summary": "Is my work in it? Datasets containing a work, and the models said to "
            "have used them, with the claim behind every link",
            "description": "Never cached and never logged with its question. `q` is read as an "
            "ISBN (10 or 13), a YouTube video or channel address, a page or site address, or "
            "else a title or author (exact, or close by trigram similarity). Only links of "
            "published claims appear; index rows come from imported versions.",
            "parameters": [
                {"name": "q", "in": "query", "required": True,
                 "schema": {"type": "string", "maxLength": 300},
                 "description": "Title, author, ISBN, YouTube address, site or page address."},
                {"name": "by", "in": "query", "required": False,
                 "schema": _enum(["", "title", "author"]),
                 "description": "Read `q` as a title or an author instead of guessing."},
            ],
            "responses": {
                "200": {"description": "The answer.",
                        "content": {"application/json": {"schema": _ref("LookupAnswer")}}},
                "400": {"description": "Empty, too long or unreadable question.",
                        "content": {"application/json": {"schema": _ref("Error")}}},
            },
        }
    },
}  # fmt: skip


def merge(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Add /lookup, the graph's schemas, relations on claims, index metadata on entities,
    and the graph's exports to the exports' dataset names."""
    paths.update(copy.deepcopy(PATHS))
    schemas.update(copy.deepcopy(SCHEMAS))
    if "ClaimDetail" in schemas:
        schemas["ClaimDetail"].setdefault("allOf", []).append(
            _obj({"relations": {"type": "array", "items": _ref("Relation")}})
        )
    if "Entity" in schemas:
        schemas["Entity"].setdefault("allOf", []).append(
            _obj({"dataset_index": _null(_ref("DatasetIndex"))})
        )
    for operation in paths.get("/exports/{dataset}.{format}", {}).values():
        for parameter in operation.get("parameters", []):
            enum = parameter.get("schema", {}).get("enum")
            if parameter.get("name") == "dataset" and isinstance(enum, list):
                enum.extend(name for name in EXPORTS if name not in enum)
