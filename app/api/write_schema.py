"""OpenAPI description of the write side (merged by app/api/openapi.py).

Kept beside write.py so a change to an endpoint and to its description land
together. Every operation needs a personal token: ``Authorization: Bearer
<token>`` (``Token <token>`` works too).
"""

from __future__ import annotations

from typing import Any

from app.archive.models import ArtifactKind, CaptureOrigin, CaptureStatus, ErrorClass
from app.catalog.choices import (
    EntityKind,
    EvidenceKind,
    Grounding,
    PublicationState,
    SourceKind,
    Stance,
    Strength,
    Verdict,
)
from app.graph.models import Attribution, RelationKind, UseStage

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
SHA256: dict[str, Any] = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
TIME: dict[str, Any] = {
    "anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}],
    "description": 'Seconds (75), or "01:15", or "1:02:03".',
}


def _enum(choices: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [str(v) for v in choices.values]}


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props)}


def _json(name: str, text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": _ref(name)}}}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _errors(*codes: str) -> dict[str, Any]:
    text = {
        "400": "Invalid JSON or invalid fields (see error.fields).",
        "401": "No token, or a malformed, unknown or revoked one, or a deactivated account.",
        "403": "The token's owner may not do this.",
        "404": "No such item, or one the token's owner may not see.",
        "413": "The body is too large.",
        "415": "Not JSON, or (uploads) not an accepted file type.",
        "409": "Refused: the last capture failed for a reason another try cannot fix.",
        "429": "Rate limited; see Retry-After.",
    }
    return {code: _json("WriteError", text[code]) for code in codes}


COMMON = ("400", "401", "403", "413", "429")
SECURITY: list[dict[str, list[str]]] = [{"token": []}]

WRITE_SECURITY_SCHEMES: dict[str, Any] = {
    "token": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal token from /accounts/tokens/ (editors only), "
        "sent as 'Authorization: Bearer <token>'.",
    }
}

_CLAIM_STATE: dict[str, Any] = {
    "slug": STR,
    "statement": STR,
    "state": _enum(PublicationState),
    "verdict": _enum(Verdict),
    "evidence_strength": _enum(Strength),
    "published_at": _null({"type": "string", "format": "date-time"}),
    "api_url": STR,
}

_SOURCE = _object(
    {
        "id": INT,
        "url": STR,
        "normalized_url": STR,
        "kind": _enum(SourceKind),
        "title": STR,
        "publisher": STR,
        "published_on": _null({"type": "string", "format": "date"}),
        "cited_by_claims": INT,
        "latest_capture": _object(
            {
                "id": _null(INT),
                "status": _null(_enum(CaptureStatus)),
                "error_class": _null(_enum(ErrorClass)),
            }
        ),
        "api_url": STR,
    }
)
_EVIDENCE_FIELDS = {
    "kind": _enum(EvidenceKind),
    "stance": _enum(Stance),
    "summary": {"type": "string", "maxLength": 5000},
    "quote": {"type": "string", "maxLength": 5000},
    "locator": {"type": "string", "maxLength": 200},
    "method_note": {"type": "string", "maxLength": 5000},
    "grounding": _enum(Grounding),
    "time_start": TIME,
    "time_end": TIME,
}

WRITE_SCHEMAS: dict[str, Any] = {
    "WriteError": _object(
        {
            "error": _object(
                {
                    "status": INT,
                    "code": STR,
                    "message": STR,
                    "fields": {"type": "object", "additionalProperties": {"type": "array"}},
                },
                required=["status", "code", "message"],
            )
        }
    ),
    "SourceWrite": _object(
        {"url": {"type": "string", "maxLength": 2000}, "kind": _enum(SourceKind)}, ["url"]
    ),
    "SourceWritten": {"allOf": [_SOURCE, _object({"created": {"type": "boolean"}})]},
    "SourceState": _SOURCE,
    "EvidenceWrite": _object(
        {"url": STR, "source_kind": _enum(SourceKind), **_EVIDENCE_FIELDS},
        ["url", "kind", "stance", "summary"],
    ),
    "EvidencePatch": _object(_EVIDENCE_FIELDS, []),
    "EvidenceWritten": _object(
        {
            "id": INT,
            "claim": STR,
            "state": _enum(PublicationState),
            **_EVIDENCE_FIELDS,
            "time_start": _null({"type": "number"}),
            "time_end": _null({"type": "number"}),
            "source": _ref("SourceState"),
        }
    ),
    "VerdictWrite": _object(
        {"verdict": _enum(Verdict), "note": STR, "strength": _enum(Strength)},
        ["verdict", "note"],
    ),
    "WithdrawWrite": _object({"reason": STR}, ["reason"]),
    "ClaimWithdrawn": _object({**_CLAIM_STATE, "state_reason": STR}),
    "ClaimState": _object(_CLAIM_STATE),
    "RelationWrite": _object(
        {
            "kind": _enum(RelationKind),
            "from": {"type": "string", "maxLength": 200, "description": "Slug or exact name."},
            "to": {"type": "string", "maxLength": 200, "description": "Slug or exact name."},
            "stage": _enum(UseStage),
            "attribution": _enum(Attribution),
            "dataset_version": {
                "type": "integer",
                "minimum": 1,
                "description": "Number of a version of the `to` dataset.",
            },
            "note": {"type": "string", "maxLength": 300},
            "claim": {
                "type": "string",
                "description": "Slug of the claim asserting it; "
                "without it a new draft claim is created.",
            },
            "statement": {
                "type": "string",
                "maxLength": 400,
                "description": "The new claim's statement (else written from the "
                "relation); not with `claim`.",
            },
            "evidence": {
                **_ref("EvidenceWrite"),
                "description": "Required for a new claim, optional with `claim`.",
            },
        },
        ["kind", "from", "to"],
    ),
    "RelationState": _object(
        {
            "id": INT,
            "kind": _enum(RelationKind),
            "from": _object({"slug": STR, "name": STR, "kind": _enum(EntityKind)}),
            "to": _object({"slug": STR, "name": STR, "kind": _enum(EntityKind)}),
            "stage": _null(_enum(UseStage)),
            "attribution": _null(_enum(Attribution)),
            "dataset_version": _null(INT),
            "note": STR,
            "claim": _ref("ClaimState"),
            "api_url": STR,
        }
    ),
    "RelationWritten": {
        "allOf": [_ref("RelationState"), _object({"created": {"type": "boolean"}})]
    },
    "RelationPatch": _object(
        {
            "kind": _enum(RelationKind),
            "from": {"type": "string", "maxLength": 200, "description": "Slug or exact name."},
            "to": {"type": "string", "maxLength": 200, "description": "Slug or exact name."},
            "stage": _null(_enum(UseStage)),
            "attribution": _null(_enum(Attribution)),
            "dataset_version": _null(
                {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Number of a version of the `to` dataset; null for none.",
                }
            ),
            "note": _null({"type": "string", "maxLength": 300}),
            "reason": {
                "type": "string",
                "maxLength": 500,
                "description": "Why: required once the claim has left the draft; kept in "
                "the audit log.",
            },
        },
        [],
    ),
    "RelationWithdrawn": {"allOf": [_ref("RelationState"), _object({"state_reason": STR})]},
    "RelationRemoveWrite": _object({"reason": {"type": "string", "maxLength": 500}}, []),
    "RelationRemoved": {"allOf": [_ref("RelationState"), _object({"removed": {"const": True}})]},
    "CaptureUploaded": _object(
        {
            "id": INT,
            "source": INT,
            "origin": _enum(CaptureOrigin),
            "status": _enum(CaptureStatus),
            "manifest_sha256": SHA256,
            "artifacts": {
                "type": "array",
                "items": _object(
                    {
                        "name": STR,
                        "kind": _enum(ArtifactKind),
                        "media_type": STR,
                        "size": INT,
                        "sha256": SHA256,
                        "how": STR,
                    }
                ),
            },
        }
    ),
}

SLUG = _path("slug", STR)
WRITE_PATHS: dict[str, dict[str, Any]] = {
    "/sources": {
        "post": {
            "operationId": "addSource",
            "summary": "Add a source by address; a known address returns the existing source",
            "description": "The address is normalized (tracking parameters dropped), so a "
            "variant of a known address finds it (200). A new source is created and its "
            "first capture queued (201).",
            "security": SECURITY,
            "requestBody": _body("SourceWrite"),
            "responses": {
                "200": _json("SourceWritten", "The existing source."),
                "201": _json("SourceWritten", "A new source, queued for archiving."),
                **_errors(*COMMON),
            },
        }
    },
    "/sources/{id}/uploads": {
        "post": {
            "operationId": "uploadCapture",
            "summary": "Upload your own copy of a source as a new capture (origin: upload)",
            "description": "The body is the file itself. Its type is read from its first bytes "
            "(PNG, JPEG, WebP, PDF, HTML, MP4, WebM), not from Content-Type. Name it with "
            "?filename=.",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            },
            "responses": {
                "201": _json("CaptureUploaded", "The new capture and its hashed files."),
                **_errors(*COMMON, "404", "415"),
            },
        }
    },
    "/sources/{id}/retry": {
        "post": {
            "operationId": "retryCapture",
            "summary": "Archive a source again (the workspace's Retry archiving)",
            "description": "Queues a new capture, or returns the one already waiting. Refused "
            "(409, code not_retryable) when the last capture failed for a reason another try "
            "cannot fix: a private or local address, a page that no longer exists, a login "
            "wall, content TrainedOn cannot archive.",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "responses": {
                "202": _json("CaptureUploaded", "The queued capture."),
                **_errors(*COMMON, "404", "409"),
            },
        }
    },
    "/claims/{slug}/evidence": {
        "post": {
            "operationId": "addEvidence",
            "summary": "Cite a source on a claim (the source is found or created)",
            "description": "Evidence waits for review unless the token's owner may publish "
            "directly; on a draft claim it stays a draft until the claim is submitted.",
            "security": SECURITY,
            "parameters": [SLUG],
            "requestBody": _body("EvidenceWrite"),
            "responses": {
                "201": _json("EvidenceWritten", "The new evidence item."),
                **_errors(*COMMON, "404", "415"),
            },
        }
    },
    "/claims/{slug}/publish": {
        "post": {
            "operationId": "publishClaim",
            "summary": "Publish a claim and its unreviewed evidence (publish directly)",
            "security": SECURITY,
            "parameters": [SLUG],
            "responses": {
                "200": _json("ClaimState", "The published claim."),
                **_errors(*COMMON, "404"),
            },
        }
    },
    "/claims/{slug}/submit": {
        "post": {
            "operationId": "submitClaim",
            "summary": "Send a draft claim for review (the workspace's Submit for review)",
            "description": "The claim goes to the moderation queue (pending), or is published "
            "at once when the token's owner may publish directly; the owner's own draft "
            "evidence on it goes with it. Who may change the claim may submit it (a "
            "contributor her own draft, editors any). No body, or `{}`. 403 (forbidden) "
            "for who may not change the claim, 409 (conflict) when it is not a draft.",
            "security": SECURITY,
            "parameters": [SLUG],
            "responses": {
                "200": _json("ClaimState", "The claim, pending or published."),
                **_errors(*COMMON, "404", "415"),
                "409": _json("WriteError", "Refused: only a draft can be submitted."),
            },
        }
    },
    "/claims/{slug}/withdraw": {
        "post": {
            "operationId": "withdrawClaim",
            "summary": "Withdraw a published claim from the public site, with a reason "
            "(moderators)",
            "description": "The claim's public page, lists, feeds, exports and read API "
            "stop showing it at once (404). The reason is kept in the audit log and shown "
            "to the claim's author. 403 (forbidden) for who may not withdraw, 409 "
            "(conflict) when the claim is not published, 400 without a reason.",
            "security": SECURITY,
            "parameters": [SLUG],
            "requestBody": _body("WithdrawWrite"),
            "responses": {
                "200": _json("ClaimWithdrawn", "The withdrawn claim."),
                **_errors(*COMMON, "404", "415"),
                "409": _json("WriteError", "Refused: the claim is not published."),
            },
        }
    },
    "/claims/{slug}/verdict": {
        "post": {
            "operationId": "setVerdict",
            "summary": "Set a claim's verdict with a public note (moderators)",
            "security": SECURITY,
            "parameters": [SLUG],
            "requestBody": _body("VerdictWrite"),
            "responses": {
                "200": _json("ClaimState", "The claim with its new verdict."),
                **_errors(*COMMON, "404", "415"),
            },
        }
    },
    "/evidence/{id}": {
        "patch": {
            "operationId": "updateEvidence",
            "summary": "Change some fields of an evidence item",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "requestBody": _body("EvidencePatch"),
            "responses": {
                "200": _json("EvidenceWritten", "The evidence item."),
                **_errors(*COMMON, "404", "415"),
            },
        }
    },
    "/relations": {
        "post": {
            "operationId": "addRelation",
            "summary": "Add a membership, use or derivation to a claim, or on a new draft claim",
            "description": "As the workspace's relation editor: with `claim`, who may change "
            "that claim; without it, who may create claims, and `evidence` is required. The "
            "new claim stays a draft (publish it with /relations/{id}/publish). A claim that "
            "already asserts the same link answers 200 with `created: false`. Invalid fields "
            "are listed in error.fields (`from`, `to`, `evidence.url`...).",
            "security": SECURITY,
            "requestBody": _body("RelationWrite"),
            "responses": {
                "200": _json("RelationWritten", "The claim already asserted this link."),
                "201": _json("RelationWritten", "The new relation."),
                **_errors(*COMMON, "404", "415"),
            },
        }
    },
    "/relations/{id}": {
        "patch": {
            "operationId": "updateRelation",
            "summary": "Change some fields of a relation (the relation editor's Edit)",
            "description": "Fields left out keep their values; null empties one (a use that "
            "becomes a membership needs `stage` and `attribution` emptied). The claim that "
            "asserts it is not changed. Who may change the claim may change its links; once "
            "the claim has left the draft a `reason` is required (kept in the audit log with "
            "the fields before and after) and the claim keeps its state: a published link is "
            "changed in place. 400 for invalid fields (error.fields), 409 (conflict) when the "
            "claim already asserts the link it would become.",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "requestBody": _body("RelationPatch"),
            "responses": {
                "200": _json("RelationState", "The relation as it is now."),
                **_errors(*COMMON, "404", "415"),
                "409": _json("WriteError", "Refused: the claim already asserts that link."),
            },
        }
    },
    "/relations/{id}/submit": {
        "post": {
            "operationId": "submitRelation",
            "summary": "Send the draft claim that asserts the relation for review",
            "description": "The relation editor's Save and submit: the same as "
            "/claims/{slug}/submit on its claim, with every link it asserts (published at "
            "once for who may publish directly). No body, or `{}`.",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "responses": {
                "200": _json("RelationState", "The relation and its claim, pending or published."),
                **_errors(*COMMON, "404", "415"),
                "409": _json("WriteError", "Refused: only a draft can be submitted."),
            },
        }
    },
    "/relations/{id}/evidence": {
        "post": {
            "operationId": "addRelationEvidence",
            "summary": "Cite a source on the claim that asserts the relation",
            "description": "A relation's evidence is its claim's: the same as "
            "/claims/{slug}/evidence.",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "requestBody": _body("EvidenceWrite"),
            "responses": {
                "201": _json("EvidenceWritten", "The new evidence item."),
                **_errors(*COMMON, "404", "415"),
            },
        }
    },
    "/relations/{id}/publish": {
        "post": {
            "operationId": "publishRelation",
            "summary": "Publish the claim that asserts the relation (publish directly)",
            "description": "The trust core's one publication action on the claim, with every "
            "link it asserts: the same as /claims/{slug}/publish.",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "responses": {
                "200": _json("RelationState", "The relation and its published claim."),
                **_errors(*COMMON, "404"),
                "409": _json("WriteError", "Refused: the claim cannot be published now."),
            },
        }
    },
    "/relations/{id}/withdraw": {
        "post": {
            "operationId": "withdrawRelation",
            "summary": "Withdraw the published claim that asserts the relation, with a reason "
            "(moderators)",
            "description": "The same as /claims/{slug}/withdraw: every link of the claim leaves "
            "the lookup, the exports and the read API. To take one link out of a claim, "
            "use /relations/{id}/remove.",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "requestBody": _body("WithdrawWrite"),
            "responses": {
                "200": _json("RelationWithdrawn", "The relation and its withdrawn claim."),
                **_errors(*COMMON, "404", "415"),
                "409": _json("WriteError", "Refused: the claim is not published."),
            },
        }
    },
    "/relations/{id}/remove": {
        "post": {
            "operationId": "removeRelation",
            "summary": "Take a relation out of its claim (the relation editor's Remove)",
            "description": "Who may change the claim may remove a link of a draft; past the "
            "draft a reason is required (kept in the audit log with everything the link "
            "said), and a published claim's link only by who may withdraw the claim "
            "(moderators).",
            "security": SECURITY,
            "parameters": [_path("id", INT)],
            "requestBody": _body("RelationRemoveWrite"),
            "responses": {
                "200": _json("RelationRemoved", "The relation as it was, now removed."),
                **_errors(*COMMON, "404", "415"),
            },
        }
    },
}
