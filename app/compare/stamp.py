"""Trusted time on a comparison's manifest: RFC 3161 tokens, exactly as for a capture's.

The archive's time-stamping code (``app.archive.timestamps``) does the asking
and the checking: the request's message imprint is the manifest's SHA-256
(``Comparison.manifest_sha256``), each answer is verified before it is kept
(status, imprint, nonce, signature, a chain to ``TSA_CA_FILE`` at the token's
time), and the token is stored with its certificate chain beside it, so it can
be checked again offline (``verify_comparison`` and the evidence package).

Tokens sign the manifest and so cannot be listed in it: ``files.build_manifest``
leaves files of kind ``timestamp`` out.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.files.storage import default_storage

from app.archive.manifest import iso_utc
from app.archive.timestamps import (
    StampOutcome,
    TimestampError,
    build_request,
    chain_name,
    chain_pem,
    check_token,
    post_query,
    token_name,
    trust_anchors,
    tsa_urls,
    verify_token,
)
from app.compare import files
from app.compare.models import Comparison, ComparisonFile

log = logging.getLogger(__name__)

TIMESTAMP = "timestamp"


def _read(stored: ComparisonFile) -> bytes:
    with default_storage.open(stored.storage_key, "rb") as handle:
        return bytes(handle.read())


def tokens_of(comparison: Comparison) -> list[ComparisonFile]:
    return [f for f in comparison.files.filter(kind=TIMESTAMP) if f.name.endswith(".tsr")]


def stamp_comparison(comparison_id: int, *, urls: list[str] | None = None) -> StampOutcome:
    """Ask each authority not yet heard from for a token over this comparison's manifest.

    Idempotent per authority; an authority that fails is named in ``failed``.
    """
    urls = tsa_urls() if urls is None else urls
    comparison = Comparison.objects.get(pk=comparison_id)
    manifest = comparison.files.filter(name=files.MANIFEST_NAME).first()
    if not comparison.manifest_sha256 or manifest is None or not urls:
        return StampOutcome([], {}, urls)
    body = _read(manifest)
    if hashlib.sha256(body).hexdigest() != comparison.manifest_sha256:
        return StampOutcome([], dict.fromkeys(urls, "the stored manifest does not match"), [])
    have = {f.name for f in comparison.files.filter(kind=TIMESTAMP)}
    roots = trust_anchors()
    stamped, failed, skipped = [], {}, []
    for url in urls:
        name = token_name(url)
        if name in have:
            skipped.append(url)
            continue
        try:
            query, nonce = build_request(body)
            token = post_query(url, query)
            found = verify_token(token, comparison.manifest_sha256, roots, nonce=nonce)
        except TimestampError as exc:
            log.warning("comparison %s: no timestamp from %s: %s", comparison_id, url, exc)
            failed[url] = str(exc)[:500]
            continue
        meta: dict[str, Any] = {
            "tsa_url": url,
            "gen_time": iso_utc(found.gen_time),
            "serial_number": str(found.serial_number),
            "policy": found.policy,
            "tsa_name": found.tsa_name,
            "signer": found.signer,
            "root_sha256": found.root_sha256,
            "manifest_sha256": comparison.manifest_sha256,
        }
        files.store_file(
            comparison,
            name=name,
            kind=TIMESTAMP,
            data=token,
            media_type="application/timestamp-reply",
            how=f"RFC 3161 token from {url} over the manifest's SHA-256, verified on receipt",
            metadata=meta,
        )
        files.store_file(
            comparison,
            name=chain_name(name),
            kind=TIMESTAMP,
            data=chain_pem(token, roots, found.root_sha256),
            media_type="application/x-pem-file",
            how="the token's certificates and the trust anchor that verified it",
            metadata={"tsa_url": url, "chain_of": name},
        )
        stamped.append(url)
    return StampOutcome(stamped, failed, skipped)


def token_problems(comparison: Comparison) -> list[str]:
    """Each stored token re-verified offline with the chain stored beside it."""
    problems = []
    stored = {f.name: f for f in comparison.files.filter(kind=TIMESTAMP)}
    for name, token in sorted(stored.items()):
        if not name.endswith(".tsr"):
            continue
        chain = stored.get(chain_name(name))
        problem = check_token(
            _read(token),
            _read(chain) if chain else None,
            comparison.manifest_sha256,
            expected_root=str(token.metadata.get("root_sha256", "")),
        )
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def ring_stamp(comparison_id: int) -> None:
    """Send the stamping task when authorities are configured (retries with backoff)."""
    if not tsa_urls():
        return
    from app.compare.tasks import stamp

    try:
        stamp.apply_async(args=(comparison_id,), retry=False)
    except Exception:
        log.warning("could not enqueue timestamps for comparison %s", comparison_id, exc_info=True)
