"""Content credentials (C2PA) of an archived image or video, read with ``c2pa-python``.

A pure reader (no database, no network): ``read_credentials(stream, media_type)``
returns what the file's C2PA manifest store says, and never raises:

- ``status``: ``found`` (a manifest store was read), ``none`` (the file carries
  no content credentials), ``unsupported`` (c2pa cannot read this format) or
  ``unreadable`` (a manifest is there but broken; ``reason`` says how);
- for ``found``: the active manifest's claim generator, title, signer
  (issuer, common name, signing time), the assertion labels, the
  training-and-data-mining entries (``c2pa.training-mining`` and its
  successor ``cawg.training-mining``: ``allowed`` / ``notAllowed`` /
  ``constrained``, with any constraint text) and the signature's validation:
  ``validation_state`` (``Invalid``, ``Valid`` or ``Trusted``) with the codes
  of every problem c2pa reported.

What it proves: that the file we archived carried these statements, signed
by the named certificate, and whether the signature and the hashes of the
asset still match. ``Valid`` is not ``Trusted``: we do not configure a trust
list, so ``signingCredential.untrusted`` is reported and the signer's name is
the signer's own claim. c2pa is told never to fetch remote manifests or OCSP
answers: reading an archived file opens no connection.
"""

from __future__ import annotations

import functools
import json
from typing import IO, Any

CREDENTIALS_FORMAT = "trainedon-content-credentials/1"
TRAINING_LABELS = ("c2pa.training-mining", "cawg.training-mining")
USES = ("allowed", "notAllowed", "constrained")
MAX_PROBLEMS = 20
MAX_TEXT = 500
# Reading archived files must open no connection.
READER_SETTINGS: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}


@functools.lru_cache(maxsize=1)
def c2pa_version() -> str:
    try:
        import c2pa

        return f"{c2pa.__version__} (c2pa-rs {c2pa.sdk_version()})"
    except Exception:
        return ""


def supported(media_type: str) -> bool:
    try:
        import c2pa

        return media_type in c2pa.Reader.get_supported_mime_types()
    except Exception:
        return False


def _text(value: Any) -> str:
    return str(value or "")[:MAX_TEXT]


def _generator(manifest: dict[str, Any]) -> str:
    infos = manifest.get("claim_generator_info") or []
    if infos and isinstance(infos[0], dict):
        first = infos[0]
        return _text(
            " ".join(
                p for p in (str(first.get("name") or ""), str(first.get("version") or "")) if p
            )
        )
    return _text(manifest.get("claim_generator"))


def training_mining(assertions: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """``{entry: {"use": ..., "constraint_info": ...}}`` from every training-mining assertion
    (the newest label wins an entry both carry)."""
    found: dict[str, dict[str, str]] = {}
    for assertion in assertions:
        label = str(assertion.get("label") or "")
        if not any(label == t or label.startswith(t + ".") for t in TRAINING_LABELS):
            continue
        entries = (assertion.get("data") or {}).get("entries") or {}
        if not isinstance(entries, dict):
            continue
        for name, entry in entries.items():
            if not isinstance(entry, dict):
                continue
            use = str(entry.get("use") or "")
            found[_text(name)] = {
                "use": use if use in USES else _text(use),
                "constraint_info": _text(entry.get("constraint_info")),
            }
    return found


def summarize(store: dict[str, Any], state: str | None) -> dict[str, Any]:
    """The record of a manifest store (``Reader.json()`` parsed)."""
    label = store.get("active_manifest") or ""
    manifests = store.get("manifests") or {}
    manifest = manifests.get(label) or {}
    assertions = [a for a in manifest.get("assertions") or [] if isinstance(a, dict)]
    signature = manifest.get("signature_info") or {}
    problems = [
        {"code": _text(s.get("code")), "explanation": _text(s.get("explanation"))}
        for s in (store.get("validation_status") or [])[:MAX_PROBLEMS]
        if isinstance(s, dict)
    ]
    training = training_mining(assertions)
    return {
        "status": "found",
        "manifests": len(manifests),
        "claim_generator": _generator(manifest),
        "title": _text(manifest.get("title")),
        "signer": {
            "issuer": _text(signature.get("issuer")),
            "common_name": _text(signature.get("common_name")),
            "time": _text(signature.get("time")),
            "alg": _text(signature.get("alg")),
        },
        "assertions": sorted({_text(a.get("label")) for a in assertions}),
        "training_mining": training,
        "not_allowed": sorted(n for n, e in training.items() if e["use"] == "notAllowed"),
        "validation_state": _text(state) or ("Invalid" if problems else ""),
        "problems": problems,
    }


def read_credentials(stream: IO[bytes], media_type: str) -> dict[str, Any]:
    """What the file's content credentials say (see the module docstring); never raises."""
    try:
        import c2pa
    except Exception as exc:  # the library or its native part is missing
        return {"status": "unreadable", "reason": f"c2pa-python unavailable: {exc}"[:MAX_TEXT]}
    if not supported(media_type):
        return {"status": "unsupported", "reason": f"c2pa does not read {media_type}"}
    try:
        context = c2pa.Context.from_dict(READER_SETTINGS)
        reader = c2pa.Reader.try_create(media_type, stream, None, context)
        if reader is None:
            return {"status": "none"}
        with reader:
            store = json.loads(reader.json())
            state = reader.get_validation_state()
    except Exception as exc:  # a broken manifest is a finding, never a crashed capture
        return {"status": "unreadable", "reason": f"{type(exc).__name__}: {exc}"[:MAX_TEXT]}
    return summarize(store if isinstance(store, dict) else {}, state)
