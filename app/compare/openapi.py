"""The OpenAPI description of /api/v1/comparisons, merged by `app.api.openapi.document`."""

from __future__ import annotations

import copy
from typing import Any

from app.compare.ladder import Rung
from app.compare.models import PromptClass, RunStatus

S: dict[str, Any] = {"type": "string"}
I: dict[str, Any] = {"type": "integer"}  # noqa: E741
B: dict[str, Any] = {"type": "boolean"}
OBJ: dict[str, Any] = {"type": "object"}
SHA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
TIME = {"type": ["string", "null"], "format": "date-time"}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props,
            "required": list(props) if required is None else required}  # fmt: skip


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


METHOD = _obj(
    {
        "model": S, "model_version": S, "generated_on": {"type": "string", "format": "date"},
        "prompt": {**S, "description": "The prompt, verbatim."},
        "prompt_class": {"type": "string", "enum": list(PromptClass.values)},
        "settings": OBJ,
        "attempts": {**I, "description": "n: every attempt, failures included."},
        "resembling": {**I, "description": "k: the attempts that resembled (k ≤ n)."},
        "output_sha256": SHA, "output_artifact_id": I,
        "c2pa": {**S, "description": "The output's C2PA manifest, or \"none found\"."},
        "inputs": _array(_obj({"role": {"type": "string",
                                        "enum": ["cited", "same_genre", "unrelated"]},
                               "artifact_id": I, "sha256": SHA, "capture_id": I,
                               "ranges": _array(_array({"type": "number"}))})),
        "elements": _array(OBJ), "library_versions": OBJ,
        "thresholds": {**OBJ, "description": "Each threshold with its value and origin."},
        "seed": I, "controls": _array(OBJ), "system_rung": I,
    }
)  # fmt: skip
COMPARISON = _obj(
    {
        "id": I, "url": S, "claim": S, "evidence_id": I,
        "status": {"type": "string", "enum": list(RunStatus.values)},
        "rung": {"type": "integer", "enum": list(Rung.values),
                 "description": "The wording ladder: 0 none found ... 4 near-duplicate frames."},
        "system_rung": I, "wording": S, "lowered_by_editor": B, "lowered_because": S,
        "does_not_show": _array(S), "started_at": TIME, "finished_at": TIME,
        "method": _ref("ComparisonMethod"),
        "result": {**OBJ, "description": "Segments, element tracks and control results."},
        "manifest_sha256": SHA,
        "files": _array(_obj({"name": S, "kind": S, "media_type": S, "size": I, "sha256": SHA,
                              "url": S})),
        "timestamps": _array(_obj({"path": S, "chain": S, "authority": S,
                                   "time": {"type": ["string", "null"]}, "root_sha256": S})),
    }
)  # fmt: skip

SCHEMAS: dict[str, Any] = {"ComparisonMethod": METHOD, "Comparison": COMPARISON}


def _ok(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "200": {"description": text, "content": {"application/json": {"schema": schema}}},
        "404": {"description": "Not found, or not published and reviewed."},
    }


PATHS: dict[str, Any] = {
    "/comparisons": {"get": {
        "operationId": "listComparisons",
        "summary": "Output comparisons on published evidence, reviewed by two editors",
        "parameters": [{"name": "claim", "in": "query", "required": False, "schema": S,
                        "description": "Slug of the claim."}],
        "responses": _ok(_obj({"results": _array(_ref("Comparison"))}), "Comparisons."),
    }},
    "/comparisons/{id}": {"get": {
        "operationId": "getComparison",
        "summary": "One comparison: its method record, result, wording, files and time stamps",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": I}],
        "responses": _ok(_ref("Comparison"), "The comparison."),
    }},
}  # fmt: skip


def merge(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    paths.update(copy.deepcopy(PATHS))
    schemas.update(copy.deepcopy(SCHEMAS))
