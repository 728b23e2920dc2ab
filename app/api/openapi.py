"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json.

Read endpoints are described in READ_PATHS. The write side (app/api/write.py,
token auth) adds its operations in the clearly marked WRITE_* section below;
`document()` merges both, method by method, so a path may have a GET here and a
POST there.
"""

from __future__ import annotations

import copy
from typing import Any

from app.catalog.choices import (
    DeveloperResponse,
    EntityKind,
    EvidenceKind,
    OnlineStatus,
    SourceKind,
    Stance,
    Strength,
    Verdict,
)
from app.compare import openapi as compare_openapi
from app.disclosures import openapi as disclosures_openapi
from app.graph import openapi as graph_openapi


def _enum(choices: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [str(v) for v in choices.values]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


STR = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
URL = {"type": "string", "format": "uri"}
INT = {"type": "integer"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
    }


SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {"error": _object({"status": INT, "message": STR})},
    ),
    "EntityRef": _object(
        {"slug": STR, "name": STR, "kind": _enum(EntityKind), "url": URL, "api_url": URL}
    ),
    "ClaimSummary": _object(
        {
            "slug": STR,
            "statement": STR,
            "verdict": _enum(Verdict),
            "evidence_strength": _enum(Strength),
            "developer_response": _enum(DeveloperResponse),
            "language": STR,
            "first_seen": _nullable(DATE),
            "published_at": _nullable(DATETIME),
            "updated_at": DATETIME,
            "evidence_count": _nullable(INT),
            "models": {"type": "array", "items": _ref("EntityRef")},
            "content": {"type": "array", "items": _ref("EntityRef")},
            "url": URL,
            "api_url": URL,
        }
    ),
    "ClaimPage": _object(
        {
            "count": INT,
            "count_is_estimate": {"type": "boolean"},
            "page": INT,
            "pages": INT,
            "next": _nullable(URL),
            "previous": _nullable(URL),
            "results": {"type": "array", "items": _ref("ClaimSummary")},
        }
    ),
    "SourceRef": _object(
        {
            "id": INT,
            "url": URL,
            "title": STR,
            "publisher": STR,
            "published_on": _nullable(DATE),
            "online_status": _enum(OnlineStatus),
            "gone_since": _nullable(DATETIME),
            "api_url": URL,
            "archived_copy_url": URL,
        }
    ),
    "Evidence": _object(
        {
            "id": INT,
            "kind": _enum(EvidenceKind),
            "stance": _enum(Stance),
            "summary": STR,
            "quote": STR,
            "locator": STR,
            "method_note": STR,
            "grounding": _nullable({"type": "string", "enum": ["grounded", "speculative"]}),
            "time_start": _nullable({"type": "number"}),
            "time_end": _nullable({"type": "number"}),
            "published_at": _nullable(DATETIME),
            "source": _ref("SourceRef"),
            "source_changed_after_citation": {"type": "boolean"},
            "archived_copy": _nullable(
                _object(
                    {
                        "capture_id": INT,
                        "captured_at": DATETIME,
                        "manifest_sha256": _nullable(SHA256),
                    }
                )
            ),
        }
    ),
    "RelationDetail": {
        "allOf": [
            _ref("Relation"),
            _object(
                {
                    "id": INT,
                    "verdict": _enum(Verdict),
                    "evidence_strength": _enum(Strength),
                    "claim": _ref("ClaimSummary"),
                    "evidence": {"type": "array", "items": _ref("Evidence")},
                    "api_url": URL,
                }
            ),
        ]
    },
    "VerdictChange": _object(
        {
            "changed_at": DATETIME,
            "old_verdict": _nullable(_enum(Verdict)),
            "new_verdict": _enum(Verdict),
            "old_strength": STR,
            "new_strength": STR,
            "note": STR,
        }
    ),
    "ClaimDetail": {
        "allOf": [
            _ref("ClaimSummary"),
            _object(
                {
                    "summary": {"type": "string", "description": "Markdown."},
                    "developer_contacted_on": _nullable(DATE),
                    "developer_contact_channel": STR,
                    "tags": {"type": "array", "items": STR},
                    "verdict_history": {"type": "array", "items": _ref("VerdictChange")},
                    "evidence": {"type": "array", "items": _ref("Evidence")},
                }
            ),
        ]
    },
    "Entity": {
        "allOf": [
            _ref("EntityRef"),
            _object(
                {
                    "description": STR,
                    "aliases": {"type": "array", "items": STR},
                    "wikidata_id": _nullable(STR),
                    "website": _nullable(URL),
                    "developer": _nullable(_ref("EntityRef")),
                    "models_developed": {"type": "array", "items": _ref("EntityRef")},
                    "models_said_trained_on_it": {
                        "type": "array",
                        "items": {
                            "allOf": [_ref("EntityRef"), _object({"claim_count": INT})],
                        },
                    },
                    "claim_count": INT,
                    "claims": {
                        "type": "object",
                        "description": "Published claims naming the entity, by verdict.",
                        "propertyNames": _enum(Verdict),
                        "additionalProperties": {
                            "type": "array",
                            "items": _ref("ClaimSummary"),
                        },
                    },
                }
            ),
        ]
    },
    "Artifact": _object(
        {
            "id": INT,
            "kind": STR,
            "name": STR,
            "size": INT,
            "media_type": STR,
            "sha256": SHA256,
            "partial": {"type": "boolean"},
            "download_url": URL,
        }
    ),
    "Capture": _object(
        {
            "id": INT,
            "status": STR,
            "created_at": DATETIME,
            "finished_at": _nullable(DATETIME),
            "final_url": STR,
            "http_status": _nullable(INT),
            "error_class": _nullable(STR),
            "manifest_sha256": _nullable(SHA256),
            "artifacts": {"type": "array", "items": _ref("Artifact")},
            "signals": _nullable(_ref("Signals")),
        },
        required=[
            "id",
            "status",
            "created_at",
            "finished_at",
            "final_url",
            "http_status",
            "error_class",
            "manifest_sha256",
            "artifacts",
        ],
    ),
    # What the site said about AI training at capture time (docs/archive.md, "Consent signals").
    "Signals": _object(
        {
            "observed_at": DATETIME,
            "robots_txt": {"type": "string", "enum": ["found", "missing", "unreachable"]},
            "disallowed_agents": {"type": "array", "items": STR},
            "allowed_agents": {"type": "array", "items": STR},
            "tdm_reserved": _nullable({"type": "boolean"}),
            "tdm_policy": STR,
            "tdm_source": STR,
            "ai_txt_allows": _nullable({"type": "boolean"}),
            "content_usage": {"type": "object", "additionalProperties": STR},
            "robots_content_usage": {"type": "array", "items": STR},
            "directives": {"type": "array", "items": STR},
            # C2PA manifests of the capture's images and videos ("Content credentials").
            "content_credentials": {
                "type": "array",
                "items": _object(
                    {
                        "file": STR,
                        "sha256": STR,
                        "media_type": STR,
                        "status": {
                            "type": "string",
                            "enum": ["found", "none", "unsupported", "unreadable"],
                        },
                        "reason": STR,
                        "claim_generator": STR,
                        "signer": {"type": "object", "additionalProperties": STR},
                        "training_mining": {"type": "object"},
                        "not_allowed": {"type": "array", "items": STR},
                        "validation_state": STR,
                        "problems": {"type": "array", "items": {"type": "object"}},
                    },
                    ["file", "sha256", "media_type", "status"],
                ),
            },
        }
    ),
    "Source": {
        "allOf": [
            _ref("SourceRef"),
            _object(
                {
                    "normalized_url": URL,
                    "kind": _enum(SourceKind),
                    "author": STR,
                    "language": STR,
                    "description": STR,
                    "last_checked_at": _nullable(DATETIME),
                    "last_changed_at": _nullable(DATETIME),
                    "captures": {"type": "array", "items": _ref("Capture")},
                }
            ),
        ]
    },
}


def _query(name: str, schema: dict[str, Any], text: str, many: bool = False) -> dict[str, Any]:
    if many:
        schema = {"type": "array", "items": schema}
    param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
    param["description"] = text
    if many:
        param.update(style="form", explode=True)
    return param


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _json(schema_name: str, text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": _ref(schema_name)}}}


ERRORS = {
    "400": _json("Error", "A filter or parameter value is not valid."),
    "404": _json("Error", "Nothing published at this address."),
}

CLAIM_FILTERS = [
    _query("q", {"type": "string", "maxLength": 200}, "Search text (web search syntax)."),
    _query("model", STR, "Slug of an AI model named by the claim.", many=True),
    _query("developer", STR, "Slug of the organization developing a named model.", many=True),
    _query("content", STR, "Slug of the alleged training content or creator.", many=True),
    _query("verdict", _enum(Verdict), "Verdict.", many=True),
    _query("kind", _enum(EvidenceKind), "Has published evidence of this kind.", many=True),
    _query("language", STR, "Language code of the claim.", many=True),
    _query("since", DATE, "Logged on or after this date."),
    _query("until", DATE, "Logged on or before this date."),
    _query(
        "sort",
        {"type": "string", "enum": ["relevance", "newest", "evidence", "updated"]},
        "Order; relevance is the default with q, and without q it means the default order "
        "(newest).",
    ),
    _query("page", {"type": "integer", "minimum": 1}, "Page number, from 1."),
    _query("page_size", {"type": "integer", "minimum": 1, "maximum": 100}, "Default 20."),
]

READ_PATHS: dict[str, dict[str, Any]] = {
    "/claims": {
        "get": {
            "operationId": "listClaims",
            "summary": "Published claims, filtered and searched like the site",
            "parameters": CLAIM_FILTERS,
            "responses": {"200": _json("ClaimPage", "A page of claims."), **ERRORS},
        }
    },
    "/claims/{slug}": {
        "get": {
            "operationId": "getClaim",
            "summary": "One published claim with its evidence and verdict history",
            "parameters": [_path("slug", STR)],
            "responses": {"200": _json("ClaimDetail", "The claim."), "404": ERRORS["404"]},
        }
    },
    "/claims/{slug}/prov": {
        "get": {
            "operationId": "getClaimProvenance",
            "summary": "The claim's lineage as a W3C PROV-JSON document (docs/data.md)",
            "description": "Claim, evidence, sources, captures and archived files, with the "
            "people, the capture engine and its tools as agents, and their times.",
            "parameters": [_path("slug", STR)],
            "responses": {
                "200": {
                    "description": "A PROV-JSON document (W3C member submission).",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["prefix", "entity", "activity", "agent"],
                                "properties": {
                                    "prefix": {"type": "object"},
                                    "entity": {"type": "object"},
                                    "activity": {"type": "object"},
                                    "agent": {"type": "object"},
                                },
                            }
                        }
                    },
                },
                "404": ERRORS["404"],
            },
        }
    },
    "/entities/{slug}": {
        "get": {
            "operationId": "getEntity",
            "summary": "A model, organization, work, creator or dataset, with the claims naming it",
            "parameters": [_path("slug", STR)],
            "responses": {"200": _json("Entity", "The entity."), "404": ERRORS["404"]},
        }
    },
    "/sources/{id}": {
        "get": {
            "operationId": "getSource",
            "summary": "A cited source with its captures and their files (size, SHA-256)",
            "parameters": [_path("id", {"type": "integer"})],
            "responses": {"200": _json("Source", "The source."), "404": ERRORS["404"]},
        }
    },
    "/relations/{id}": {
        "get": {
            "operationId": "getRelation",
            "summary": "One link of the training-data graph (membership, use or derivation) "
            "with the claim that asserts it, its verdict, strength and published evidence",
            "description": "Only a link of a published claim is found (as in the lookup and "
            "the exports); a draft, pending, rejected or withdrawn one is a 404 to everyone.",
            "parameters": [_path("id", {"type": "integer"})],
            "responses": {"200": _json("RelationDetail", "The relation."), "404": ERRORS["404"]},
        }
    },
    "/exports/{dataset}.{format}": {
        "get": {
            "operationId": "export",
            "summary": "Everything published, streamed as CSV or JSON",
            "parameters": [
                _path("dataset", {"type": "string", "enum": ["claims", "evidence", "sources"]}),
                _path("format", {"type": "string", "enum": ["csv", "json"]}),
            ],
            "responses": {
                "200": {
                    "description": "The whole dataset.",
                    "content": {
                        "text/csv": {"schema": STR},
                        "application/json": {"schema": {"type": "array", "items": {}}},
                    },
                },
                "404": ERRORS["404"],
            },
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3.1 document."}},
        }
    },
}

# --- Write side ------------------------------------------------------------------------
# app/api/write.py (token auth, POST endpoints) adds its operations here, e.g.
#   WRITE_PATHS["/sources"] = {"post": {...}}
#   WRITE_SECURITY_SCHEMES["token"] = {"type": "http", "scheme": "bearer"}
# Schemas it needs go in WRITE_SCHEMAS; document() merges all three.
from app.api.write_schema import (  # noqa: E402 (the write side, kept beside write.py)
    WRITE_PATHS,
    WRITE_SCHEMAS,
    WRITE_SECURITY_SCHEMES,
)

# --- End of write side -----------------------------------------------------------------


def document(server: str = "/api/v1") -> dict[str, Any]:
    paths = copy.deepcopy(READ_PATHS)
    for path, operations in WRITE_PATHS.items():
        paths.setdefault(path, {}).update(copy.deepcopy(operations))
    components: dict[str, Any] = {"schemas": {**SCHEMAS, **WRITE_SCHEMAS}}
    graph_openapi.merge(paths, components["schemas"])  # app/graph
    disclosures_openapi.merge(paths, components["schemas"])  # app/disclosures
    compare_openapi.merge(paths, components["schemas"])  # app/compare
    if WRITE_SECURITY_SCHEMES:
        components["securitySchemes"] = dict(WRITE_SECURITY_SCHEMES)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TrainedOn API",
            "version": "1",
            "summary": "Claims about what AI models were trained on, with evidence and archives.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": components,
    }
