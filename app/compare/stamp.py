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

import logging

from django.core.files.storage import default_storage

from app.archive.timestamps import (
    StampOutcome,
    Verified,
    chain_name,
    check_token,
    stamp_manifest,
    token_metadata,
    tsa_urls,
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
    have = {f.name for f in comparison.files.filter(kind=TIMESTAMP)}

    def store(url: str, name: str, token: bytes, found: Verified, chain: bytes) -> None:
        files.store_file(
            comparison,
            name=name,
            kind=TIMESTAMP,
            data=token,
            media_type="application/timestamp-reply",
            how=f"RFC 3161 token from {url} over the manifest's SHA-256, verified on receipt",
            metadata=token_metadata(url, found, comparison.manifest_sha256),
        )
        files.store_file(
            comparison,
            name=chain_name(name),
            kind=TIMESTAMP,
            data=chain,
            media_type="application/x-pem-file",
            how="the token's certificates and the trust anchor that verified it",
            metadata={"tsa_url": url, "chain_of": name},
        )

    return stamp_manifest(
        f"comparison {comparison_id}", _read(manifest), comparison.manifest_sha256, urls, have,
        store,
    )  # fmt: skip


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
