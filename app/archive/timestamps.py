"""Trusted time on every manifest: RFC 3161 timestamp tokens from independent authorities.

After a capture's manifest is written, ``stamp_capture`` asks every
authority in ``TSA_URLS`` for a token over the manifest's SHA-256 (the
request's message imprint **is** ``Capture.manifest_sha256``). Each answer is
verified before it is kept (``verify_token``): status granted, the imprint
equals the manifest hash, the nonce is ours, the signature is valid and the
signing certificate (critical ``timeStamping`` key usage) chains, at the
token's own time, to a trust anchor in ``TSA_CA_FILE``. A verified token is
stored as ``timestamp-<host>.tsr`` (kind ``timestamp``) with the authority's
certificate chain beside it (``timestamp-<host>.chain.pem``: the certificates
in the token plus the anchor that verified it), so the token can be checked
again offline, by ``verify_archive`` and in an evidence package, with nothing
but these files.

The requests go through the same pinned, address-checked transport as every
fetch (``app.lib.http.PinnedTransport``): an authority on a private address
is refused like any URL unless ``ARCHIVE_ALLOW_HOSTS`` names it.

Tokens are made after the manifest and cannot be in it (they sign it); the
manifest's file list therefore never holds them, and the fixity checks
verify them as tokens instead.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.db import transaction
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerifierBuilder,
    decode_timestamp_response,
)

from app.archive.models import WITH_FILES, Artifact, ArtifactKind, Capture
from app.archive.serializers import iso_utc
from app.archive.storage import insert_artifact, open_artifact, put_file
from app.lib.http import Deadline, FetchError, PinnedTransport

log = logging.getLogger(__name__)

TSR_SUFFIX = ".tsr"
CHAIN_SUFFIX = ".chain.pem"
MAX_RESPONSE_BYTES = 256 * 1024
REQUEST_TIMEOUT = 20.0


class TimestampError(Exception):
    """A token could not be had or did not verify; the message says which check failed."""


@dataclass(frozen=True)
class Verified:
    gen_time: datetime
    serial_number: int
    policy: str
    tsa_name: str
    signer: str
    root_sha256: str


def tsa_urls() -> list[str]:
    return [u.strip() for u in str(getattr(settings, "TSA_URLS", "") or "").split(",") if u.strip()]


def trust_anchors(path: str | None = None) -> list[x509.Certificate]:
    """The roots that TSA certificates must chain to (``TSA_CA_FILE``, PEM)."""
    path = path if path is not None else str(getattr(settings, "TSA_CA_FILE", "") or "")
    if not path:
        return []
    return x509.load_pem_x509_certificates(Path(path).read_bytes())


def token_name(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "tsa").replace(":", "-")
    label = f"{host}-{parts.port}" if parts.port else host
    return f"timestamp-{label}{TSR_SUFFIX}"


# --- asking -------------------------------------------------------------------


def build_request(digest_of: bytes) -> tuple[bytes, int]:
    """A DER TimeStampReq over ``digest_of`` hashed with SHA-256, and its nonce."""
    request = (
        TimestampRequestBuilder()
        .data(digest_of)
        .hash_algorithm(HashAlgorithm.SHA256)
        .cert_request(cert_request=True)
        .nonce(nonce=True)
        .build()
    )
    return request.as_bytes(), int(request.nonce or 0)


def post_query(url: str, query: bytes, *, allow_hosts: list[str] | None = None) -> bytes:
    """POST a query through the pinned transport; no redirects, capped answer."""
    deadline = Deadline(REQUEST_TIMEOUT)
    transport = PinnedTransport(allow_hosts=allow_hosts, deadline=deadline)
    try:
        with httpx.Client(
            transport=transport, trust_env=False, follow_redirects=False, timeout=REQUEST_TIMEOUT
        ) as client:
            with client.stream(
                "POST",
                url,
                content=query,
                headers={
                    "Content-Type": "application/timestamp-query",
                    "Accept": "application/timestamp-reply",
                    "User-Agent": str(settings.ARCHIVE_USER_AGENT),
                },
            ) as response:
                if response.status_code != 200:
                    raise TimestampError(f"{url} answered HTTP {response.status_code}")
                body = b""
                for chunk in response.iter_raw():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise TimestampError(f"{url} answered more than {MAX_RESPONSE_BYTES} bytes")
                return body
    except FetchError as exc:
        raise TimestampError(f"{url}: {exc.error_class}: {exc}") from exc
    except httpx.HTTPError as exc:
        raise TimestampError(f"{url}: {type(exc).__name__}: {exc}") from exc


# --- checking -----------------------------------------------------------------


def verify_token(
    token: bytes,
    manifest_sha256: str,
    roots: list[x509.Certificate],
    *,
    nonce: int | None = None,
) -> Verified:
    """Every check of a token; raises ``TimestampError`` naming the one that failed."""
    if not roots:
        raise TimestampError("no trust anchor to verify the authority against")
    try:
        response = decode_timestamp_response(token)
    except Exception as exc:  # the DER decoder raises several kinds
        raise TimestampError(f"not a timestamp response: {exc}") from exc
    try:
        imprint = response.tst_info.message_imprint.message
    except Exception as exc:
        raise TimestampError(f"no timestamp token in the response: {exc}") from exc
    if imprint.hex() != manifest_sha256:
        raise TimestampError(
            f"the token is for {imprint.hex()}, not for the manifest {manifest_sha256}"
        )
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    if nonce is not None:
        builder = builder.nonce(nonce)
    try:
        builder.build().verify(response, bytes.fromhex(manifest_sha256))
    except Exception as exc:  # VerificationError, or the PKCS#7 layer's own errors
        raise TimestampError(f"the token does not verify: {_reason(exc)}") from exc
    info = response.tst_info
    embedded = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    signer = embedded[0].subject.rfc4514_string() if embedded else ""
    name = getattr(info.name, "value", None)
    return Verified(
        gen_time=info.gen_time,
        serial_number=int(info.serial_number),
        policy=str(info.policy.dotted_string) if info.policy else "",
        tsa_name=name.rfc4514_string() if isinstance(name, x509.Name) else str(name or ""),
        signer=signer,
        root_sha256=_anchor_of(embedded, roots),
    )


def _reason(exc: Exception) -> str:
    """The readable part of an OpenSSL error stack ("certificate has expired")."""
    text = str(exc)
    details = re.findall(r'data: "([^"]+)"', text) or re.findall(r'reason: "([^"]+)"', text)
    head = text.split("ErrorStack")[0].rstrip(": ")
    return (f"{head}: {'; '.join(dict.fromkeys(details))}" if details else text)[:300]


def _anchor_of(embedded: list[x509.Certificate], roots: list[x509.Certificate]) -> str:
    issuers = {c.issuer for c in embedded}
    for root in roots:
        if root.subject in issuers:
            return hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest()
    return ""


def chain_pem(token: bytes, roots: list[x509.Certificate], root_sha256: str) -> bytes:
    """The token's certificates and the anchor that verified it, as PEM."""
    response = decode_timestamp_response(token)
    certs = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    certs += [
        r for r in roots if hashlib.sha256(r.public_bytes(Encoding.DER)).hexdigest() == root_sha256
    ]
    return b"".join(c.public_bytes(Encoding.PEM) for c in certs)


def roots_from_pem(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data) if data.strip() else []


def check_token(
    token: bytes, chain: bytes | None, manifest_sha256: str, *, expected_root: str = ""
) -> str:
    """Offline re-verification of a stored token with the chain stored beside it.

    Returns "" when it holds, else what failed. ``expected_root`` (the anchor's
    SHA-256 recorded at receipt) must then be the anchor the chain holds.
    """
    if chain is None:
        return "its certificate chain is missing"
    try:
        roots = roots_from_pem(chain)
    except ValueError as exc:
        return f"its certificate chain is unreadable: {exc}"
    try:
        found = verify_token(token, manifest_sha256, roots)
    except TimestampError as exc:
        return str(exc)
    if expected_root and found.root_sha256 != expected_root:
        return f"chains to {found.root_sha256 or 'no known root'}, recorded {expected_root}"
    return ""


def chain_name(token_name: str) -> str:
    return token_name.removesuffix(TSR_SUFFIX) + CHAIN_SUFFIX


# --- stamping -----------------------------------------------------------------


@dataclass(frozen=True)
class StampOutcome:
    stamped: list[str]
    failed: dict[str, str]
    skipped: list[str]


def _manifest_bytes(capture: Capture) -> bytes:
    manifest = capture.artifacts.get(kind=ArtifactKind.MANIFEST)
    with open_artifact(manifest) as handle:
        return bytes(handle.read())


StoreToken = Callable[[str, str, bytes, "Verified", bytes], None]


def token_metadata(url: str, found: Verified, manifest_sha256: str) -> dict[str, Any]:
    """What is recorded beside a token: who stamped, when, and over which manifest."""
    return {
        "tsa_url": url,
        "gen_time": iso_utc(found.gen_time),
        "serial_number": str(found.serial_number),
        "policy": found.policy,
        "tsa_name": found.tsa_name,
        "signer": found.signer,
        "root_sha256": found.root_sha256,
        "manifest_sha256": manifest_sha256,
    }


def stamp_manifest(
    what: str, manifest: bytes, manifest_sha256: str, urls: list[str], have: set[str],
    store: StoreToken,
) -> StampOutcome:  # fmt: skip
    """Ask each authority whose token is not in ``have`` for a token over ``manifest``.

    The one stamping loop of captures and comparisons: the stored manifest must
    still hash to ``manifest_sha256``; each answer is verified before ``store``
    (url, token name, token, verification, certificate chain) keeps it. Raises
    nothing for an authority that fails; its error is in ``failed``.
    """
    if hashlib.sha256(manifest).hexdigest() != manifest_sha256:
        return StampOutcome([], dict.fromkeys(urls, "the stored manifest does not match"), [])
    roots = trust_anchors()
    stamped, failed, skipped = [], {}, []
    for url in urls:
        name = token_name(url)
        if name in have:
            skipped.append(url)
            continue
        try:
            query, nonce = build_request(manifest)
            token = post_query(url, query)
            found = verify_token(token, manifest_sha256, roots, nonce=nonce)
        except TimestampError as exc:
            log.warning("%s: no timestamp from %s: %s", what, url, exc)
            failed[url] = str(exc)[:500]
            continue
        store(url, name, token, found, chain_pem(token, roots, found.root_sha256))
        stamped.append(url)
    return StampOutcome(stamped, failed, skipped)


def stamp_capture(capture_id: int, *, urls: list[str] | None = None) -> StampOutcome:
    """Ask each authority not yet heard from for a token over this capture's manifest.

    Idempotent per authority: an authority whose token is stored is skipped.
    """
    urls = tsa_urls() if urls is None else urls
    capture = Capture.objects.get(pk=capture_id)
    if not capture.manifest_sha256 or not urls:
        return StampOutcome([], {}, urls)
    have = set(capture.artifacts.filter(kind=ArtifactKind.TIMESTAMP).values_list("name", flat=True))

    def store(url: str, name: str, token: bytes, found: Verified, chain: bytes) -> None:
        _store_token(capture, url, name, token, found, chain)

    return stamp_manifest(
        f"capture {capture_id}", _manifest_bytes(capture), capture.manifest_sha256, urls, have,
        store,
    )  # fmt: skip


def _store_token(
    capture: Capture, url: str, name: str, token: bytes, found: Verified, chain: bytes
) -> None:
    token_file = put_file(name=name, data=token)
    chain_file = put_file(name=chain_name(name), data=chain)
    metadata = token_metadata(url, found, capture.manifest_sha256)
    with transaction.atomic():
        locked = Capture.objects.select_for_update().get(pk=capture.pk)
        token_row = insert_artifact(
            capture=locked,
            stored=token_file,
            kind=ArtifactKind.TIMESTAMP,
            media_type="application/timestamp-reply",
            how=f"RFC 3161 token from {url} over the manifest's SHA-256, verified on receipt",
            metadata=metadata,
        )
        insert_artifact(
            capture=locked,
            stored=chain_file,
            kind=ArtifactKind.TIMESTAMP,
            media_type="application/x-pem-file",
            derived_from=token_row,
            how="the token's certificates and the trust anchor that verified it",
            metadata={"tsa_url": url, "chain_of": name},
        )


def tokens_of(capture: Capture) -> list[Artifact]:
    return [
        a
        for a in capture.artifacts.all()
        if a.kind == ArtifactKind.TIMESTAMP and a.name.endswith(TSR_SUFFIX)
    ]


class StampIncomplete(Exception):
    """Some authority did not answer with a good token (the task retries with backoff)."""


def stamp_after_capture(
    capture_id: int, status: str, *, foreground: bool = False
) -> StampOutcome | None:
    """What follows every capture that ended with files, from the worker and from
    ``manage.py archive`` alike: its manifest is stamped by every configured authority.

    The worker rings the ``archive.stamp`` task (retries with backoff); the command,
    which needs no broker, stamps in the foreground and returns the outcome (None
    when nothing was asked: no files, or ``TSA_URLS`` empty).
    """
    if status not in WITH_FILES or not tsa_urls():
        return None
    if foreground:
        return stamp_capture(capture_id)
    ring_stamp(capture_id)
    return None


def ring_stamp(capture_id: int) -> None:
    """Send the stamping task when authorities are configured; a lost message is logged
    (``manage.py stamp --missing`` catches up)."""
    if not tsa_urls():
        return
    from app.archive.tasks import stamp

    try:
        stamp.apply_async(args=(capture_id,), retry=False)
    except Exception:
        log.warning("could not enqueue timestamps for capture %s", capture_id, exc_info=True)
