"""The evidence package of a claim: one ZIP to verify offline, and its verifier.

Layout::

    package-manifest.json        claim, evidence, sources, captures, every file's sha256
    README.txt                   how to check it by hand
    captures/<id>/manifest.json  each capture's own manifest, as stored
    captures/<id>/<name>         each artifact of that capture, as stored
    <section>/<id>/...           a bundle another app adds (comparisons/<id>/: a
                                 comparison's files, its own manifest and its tokens)

The ZIP is streamed (``stream_package`` yields bytes; nothing is built in
memory or on disk) and written last-manifest-first is impossible while
streaming, so ``package-manifest.json`` comes last. Its ``sha256`` values are
the ones recorded when each file was archived, so a package built from a
damaged store does not verify. ``verify_package(path)`` re-hashes every
member against the package manifest and every capture's files against that
capture's manifest, and lists each problem.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from app.archive.manifest import MANIFEST_NAME, canonical_json, iso_utc
from app.archive.models import WITH_FILES, Artifact, ArtifactKind, Capture
from app.archive.serializers import (
    PACKAGE_ARTIFACT,
    PACKAGE_CAPTURE,
    artifact_to_dict,
    capture_to_dict,
)
from app.archive.storage import sha256_stream
from app.archive.verify import Problem, check_manifest
from app.catalog.access import public_evidence, public_sources
from app.catalog.models import Claim, Evidence, Source

PACKAGE_FORMAT = "trainedon-package/1"
PACKAGE_MANIFEST = "package-manifest.json"
README = "README.txt"
CHUNK = 1024 * 1024
# Already compressed: stored as is. Everything else is deflated.
STORED_TYPES = ("video/", "image/", "audio/", "application/zip", "application/warc")
README_TEXT = """TrainedOn evidence package
==========================

package-manifest.json lists every file in this package with its SHA-256 and size,
the claim, the evidence items, their sources and every capture of those sources.
Each captures/<id>/manifest.json is that capture's own manifest, written when it
was archived; its SHA-256 is recorded in package-manifest.json ("manifest_sha256").

Each captures/<id>/timestamp-*.tsr is an RFC 3161 token over that manifest's SHA-256
from an independent time-stamping authority; timestamp-*.chain.pem beside it holds the
authority's certificates and the root it chains to ("timestamps" in package-manifest.json
names the root's SHA-256). Check one with OpenSSL:
  openssl ts -verify -digest <manifest_sha256> -in T.tsr -CAfile T.chain.pem

Each comparisons/<id>/ folder is an output comparison: its manifest.json (the method
record and every file with its SHA-256; "bundles" in package-manifest.json names its
hash), the files it lists, and its own timestamp tokens. The archived videos it rests
on are in captures/ ("rests_on" lists their SHA-256).

To check by hand:  sha256sum captures/*/* comparisons/*/*  and compare with package-manifest.json.
With TrainedOn:    python manage.py verify_archive --package THIS_FILE.zip
"""


@dataclass(frozen=True)
class StoredFile:
    """A stored file another app puts in the package, with the hash recorded at writing."""

    path: str
    storage_key: str
    sha256: str
    size: int
    media_type: str
    created_at: datetime


@dataclass(frozen=True)
class Bundle:
    """A folder with its own manifest, added by another app (app.compare: a comparison).

    The verifier re-hashes every file its ``manifest.json`` lists (``files``: name,
    sha256, size, relative to ``folder``), re-verifies each RFC 3161 token in the folder
    against ``manifest_sha256``, and checks that each file it rests on (``rests_on``:
    SHA-256 of archived files) is in the package. ``capture_ids``: captures of public
    sources to include whole (their files and manifests), e.g. the compared videos.
    """

    section: str
    folder: str  # "comparisons/12/"
    manifest_sha256: str
    files: list[StoredFile]
    rests_on: list[str] = field(default_factory=list)
    capture_ids: list[int] = field(default_factory=list)
    timestamps: list[dict[str, Any]] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)


@dataclass
class PackagePlan:
    claim: Claim
    evidence: list[Evidence]
    sources: list[Source]
    captures: list[Capture]
    artifacts: list[Artifact]
    # (member name, bytes) added by EXTRA_FILES hooks, listed in "files" like the rest.
    extras: list[tuple[str, bytes]] = field(default_factory=list)
    bundles: list[Bundle] = field(default_factory=list)
    # (member name, a function giving its pieces) added by EXTRA_STREAMS hooks: written into
    # the ZIP piece by piece, hashed as they go, listed in "files" like the rest.
    streams: list[tuple[str, Callable[[], Iterable[str | bytes]]]] = field(default_factory=list)


# Files other apps add to every package: each hook gets the plan and returns
# (member name, bytes) pairs.
EXTRA_FILES: list[Callable[[PackagePlan], list[tuple[str, bytes]]]] = []
# The same for a file that grows with the claim, never held whole in memory: each hook
# returns (member name, a function giving the file's pieces, text or bytes), called when the
# ZIP is written (and once more by `package_manifest` alone, to hash it). app.ledgerdata adds
# "provenance.json" (the claim's W3C PROV-JSON lineage) from its AppConfig.ready().
EXTRA_STREAMS: list[
    Callable[[PackagePlan], list[tuple[str, Callable[[], Iterable[str | bytes]]]]]
] = []
# Folders with their own manifest other apps add (see Bundle): app.compare adds each
# reviewed comparison of the claim's published evidence from its AppConfig.ready().
EXTRA_BUNDLES: list[Callable[[PackagePlan], list[Bundle]]] = []


def package_plan(claim: Claim) -> PackagePlan:
    """Published evidence of the claim, its sources, their captures with files (4 queries)."""
    evidence = list(
        public_evidence().filter(claim=claim).select_related("source").order_by("created_at", "id")
    )
    sources = list({item.source_id: item.source for item in evidence}.values())
    captures = list(
        Capture.objects.filter(source__in=sources, status__in=WITH_FILES).order_by(
            "source_id", "created_at", "id"
        )
    )
    plan = PackagePlan(claim, evidence, sources, captures, [])
    plan.bundles = [bundle for hook in EXTRA_BUNDLES for bundle in hook(plan)]
    _add_bundle_captures(plan)
    plan.artifacts = list(
        Artifact.objects.filter(capture__in=plan.captures).order_by("capture_id", "id")
    )
    plan.extras = [member for hook in EXTRA_FILES for member in hook(plan)]
    plan.streams = [member for hook in EXTRA_STREAMS for member in hook(plan)]
    return plan


def _add_bundle_captures(plan: PackagePlan) -> None:
    """The captures bundles rest on, when their source is public (never a draft's file)."""
    have = {c.pk for c in plan.captures}
    wanted = {pk for bundle in plan.bundles for pk in bundle.capture_ids} - have
    if not wanted:
        return
    more = list(
        Capture.objects.filter(
            pk__in=wanted, status__in=WITH_FILES, source__in=public_sources()
        ).select_related("source")
    )
    plan.captures = sorted([*plan.captures, *more], key=lambda c: (c.source_id, c.created_at, c.pk))
    known = {s.pk for s in plan.sources}
    plan.sources += [c.source for c in more if c.source_id not in known]
    plan.sources = list({s.pk: s for s in plan.sources}.values())


def member_path(artifact: Artifact) -> str:
    return f"captures/{artifact.capture_id}/{artifact.name}"


def _bytes_of(pieces: Iterable[str | bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece.encode() if isinstance(piece, str) else piece


def _stream_hash(pieces: Iterable[str | bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for data in _bytes_of(pieces):
        digest.update(data)
        size += len(data)
    return digest.hexdigest(), size


def package_manifest(
    plan: PackagePlan,
    *,
    generated_at: datetime,
    streamed: dict[str, tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """``streamed``: the SHA-256 and size of each of ``plan.streams`` as written into the
    ZIP; those not given are read once more and hashed."""
    claim = plan.claim
    streamed = streamed or {}
    hashed = {name: streamed.get(name) or _stream_hash(pieces()) for name, pieces in plan.streams}
    by_capture: dict[int, list[int]] = {}
    for capture in plan.captures:
        by_capture.setdefault(capture.source_id, []).append(capture.pk)
    return {
        "format": PACKAGE_FORMAT,
        "generated_at": iso_utc(generated_at),
        "site": settings.SITE_URL,
        "claim": {
            "slug": claim.slug,
            "statement": claim.statement,
            "verdict": claim.verdict,
            "url": settings.SITE_URL + claim.get_absolute_url(),
        },
        "evidence": [_evidence(item) for item in plan.evidence],
        "sources": [_source(s, by_capture.get(s.pk, [])) for s in plan.sources],
        "captures": [_capture(c) for c in plan.captures],
        "files": [_file(a) for a in plan.artifacts]
        + [_extra(n, d) for n, d in plan.extras]
        + [_streamed(name, *hashed[name]) for name, _pieces in plan.streams]
        + [_stored(f) for b in plan.bundles for f in b.files],
        # RFC 3161 tokens over each capture's manifest hash, with their chains beside them.
        "timestamps": [_timestamp(a) for a in plan.artifacts if _is_token(a)]
        + [t for b in plan.bundles for t in b.timestamps],
        "bundles": [_bundle(b) for b in plan.bundles],
    }


def _stored(stored: StoredFile) -> dict[str, Any]:
    return {"path": stored.path, "media_type": stored.media_type, "size": stored.size,
            "sha256": stored.sha256}  # fmt: skip


def _bundle(bundle: Bundle) -> dict[str, Any]:
    return {
        "section": bundle.section,
        "folder": bundle.folder,
        "manifest_sha256": bundle.manifest_sha256,
        "rests_on": list(bundle.rests_on),
        **bundle.record,
    }


def _is_token(artifact: Artifact) -> bool:
    return artifact.kind == ArtifactKind.TIMESTAMP and artifact.name.endswith(".tsr")


def _timestamp(artifact: Artifact) -> dict[str, Any]:
    meta = artifact.metadata or {}
    return {
        "path": member_path(artifact),
        "chain": member_path(artifact).removesuffix(".tsr") + ".chain.pem",
        "capture_id": artifact.capture_id,
        "authority": meta.get("tsa_url", ""),
        "time": meta.get("gen_time"),
        "root_sha256": meta.get("root_sha256", ""),
    }


def _evidence(item: Evidence) -> dict[str, Any]:
    return {
        "id": item.pk,
        "source_id": item.source_id,
        "kind": item.kind,
        "stance": item.stance,
        "summary": item.summary,
        "quote": item.quote,
        "locator": item.locator,
        "method_note": item.method_note,
        "grounding": item.grounding or None,
        "time_start": str(item.time_start) if item.time_start is not None else None,
        "time_end": str(item.time_end) if item.time_end is not None else None,
        "cited_at": iso_utc(item.created_at),
    }


def _source(source: Source, capture_ids: list[int]) -> dict[str, Any]:
    return {
        "id": source.pk,
        "url": source.url,
        "normalized_url": source.normalized_url,
        "title": source.title,
        "online_status": source.online_status,
        "gone_since": iso_utc(source.gone_since),
        "last_changed_at": iso_utc(source.last_changed_at),
        "captures": capture_ids,
    }


def _capture(capture: Capture) -> dict[str, Any]:
    return capture_to_dict(capture, PACKAGE_CAPTURE, times=iso_utc)


def _extra(name: str, data: bytes) -> dict[str, Any]:
    return {"path": name, "media_type": "application/json", "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip


def _streamed(name: str, sha256: str, size: int) -> dict[str, Any]:
    return {"path": name, "media_type": "application/json", "size": size, "sha256": sha256}


def _file(artifact: Artifact) -> dict[str, Any]:
    return {"path": member_path(artifact), **artifact_to_dict(artifact, PACKAGE_ARTIFACT)}


# --------------------------------------------------------------------------
# Streaming the ZIP
# --------------------------------------------------------------------------


class _Pipe:
    """A write-only, unseekable file for ``zipfile``: the bytes written wait to be drained."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._written = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def _compression(media_type: str) -> int:
    stored = media_type.startswith(STORED_TYPES) or media_type.endswith("gzip")
    return zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED


def _entry(name: str, when: datetime, media_type: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(when).timetuple()[:6])
    info.compress_type = _compression(media_type)
    info.file_size = size
    return info


def write_stream(
    archive: zipfile.ZipFile,
    pipe: _Pipe,
    entry: zipfile.ZipInfo,
    pieces: Iterable[str | bytes],
    hashes: dict[str, tuple[str, int]],
) -> Iterator[bytes]:
    """Write ``pieces`` into ``entry`` as they come, yielding the ZIP bytes drained from
    ``pipe`` after each; the member's SHA-256 and size land in ``hashes``."""
    digest, size = hashlib.sha256(), 0
    with archive.open(entry, mode="w") as target:
        for data in _bytes_of(pieces):
            digest.update(data)
            size += len(data)
            target.write(data)
            yield pipe.drain()
    hashes[entry.filename] = (digest.hexdigest(), size)
    yield pipe.drain()


def stream_package(plan: PackagePlan, *, storage: Storage | None = None) -> Iterator[bytes]:
    """The package as a stream of ZIP bytes, one file at a time."""
    storage = storage or default_storage
    now = timezone.now()
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", allowZip64=True) as archive:  # type: ignore[call-overload]
        archive.writestr(_entry(README, now, "text/plain", 0), README_TEXT)
        yield pipe.drain()
        for artifact in plan.artifacts:
            entry = _entry(member_path(artifact), artifact.created_at, artifact.media_type, 0)
            with storage.open(artifact.storage_key, "rb") as source:
                with archive.open(entry, mode="w", force_zip64=artifact.size > 2**31) as target:
                    for chunk in iter(lambda: source.read(CHUNK), b""):
                        target.write(chunk)
                        yield pipe.drain()
            yield pipe.drain()
        for stored in [f for bundle in plan.bundles for f in bundle.files]:
            entry = _entry(stored.path, stored.created_at, stored.media_type, 0)
            with storage.open(stored.storage_key, "rb") as source:
                with archive.open(entry, mode="w", force_zip64=stored.size > 2**31) as target:
                    for chunk in iter(lambda: source.read(CHUNK), b""):
                        target.write(chunk)
                        yield pipe.drain()
            yield pipe.drain()
        for name, data in plan.extras:
            archive.writestr(_entry(name, now, "application/json", 0), data)
            yield pipe.drain()
        streamed: dict[str, tuple[str, int]] = {}
        for name, pieces in plan.streams:
            entry = _entry(name, now, "application/json", 0)
            yield from write_stream(archive, pipe, entry, pieces(), streamed)
        manifest = canonical_json(package_manifest(plan, generated_at=now, streamed=streamed))
        archive.writestr(_entry(PACKAGE_MANIFEST, now, "application/json", 0), manifest)
    yield pipe.drain()


# --------------------------------------------------------------------------
# Verifying a package
# --------------------------------------------------------------------------


class _Member:
    """A ZIP member whose bad CRC reads as an ``OSError`` (what ``check_manifest`` expects)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise OSError(f"unreadable: {exc}") from exc

    def __enter__(self) -> _Member:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._handle.close()


def _member_hash(archive: zipfile.ZipFile, name: str) -> tuple[str, int] | str:
    try:
        with archive.open(name) as handle:
            return sha256_stream(handle)
    except KeyError:
        return "missing from the package"
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:  # a bad CRC lands here
        return f"unreadable: {exc}"


def _file_problems(archive: zipfile.ZipFile, files: list[dict[str, Any]]) -> list[Problem]:
    problems = []
    for entry in files:
        path = str(entry.get("path"))
        found = _member_hash(archive, path)
        if isinstance(found, str):
            problems.append(Problem(None, path, found))
        elif found != (entry.get("sha256"), entry.get("size")):
            problems.append(
                Problem(
                    None,
                    path,
                    f"package manifest says sha256 {entry.get('sha256')} ({entry.get('size')} "
                    f"bytes), file has {found[0]} ({found[1]} bytes)",
                )
            )
    listed = {str(e.get("path")) for e in files} | {PACKAGE_MANIFEST, README}
    for name in sorted(set(archive.namelist()) - listed):
        problems.append(Problem(None, name, "in the package but not in its manifest"))
    return problems


def _capture_problems(
    archive: zipfile.ZipFile,
    captures: list[dict[str, Any]],
    roots: dict[str, str] | None = None,
) -> list[Problem]:
    problems = []
    for capture in captures:
        capture_id = capture.get("id")
        prefix = f"captures/{capture_id}/"
        found = _member_hash(archive, prefix + MANIFEST_NAME)
        if isinstance(found, str):
            if capture.get("manifest_sha256"):
                problems.append(Problem(capture_id, MANIFEST_NAME, found))
            continue
        if found[0] != capture.get("manifest_sha256"):
            problems.append(
                Problem(capture_id, MANIFEST_NAME, f"capture names manifest "
                        f"{capture.get('manifest_sha256')}, the file is {found[0]}")
            )  # fmt: skip
        body = archive.read(prefix + MANIFEST_NAME)

        def opener(name: str, prefix: str = prefix) -> IO[bytes]:
            return _Member(archive.open(prefix + name))  # type: ignore[return-value]

        problems.extend(check_manifest(body, opener, capture_id=capture_id))
        problems.extend(_token_problems(archive, capture, prefix, roots or {}))
    return problems


def _token_problems(
    archive: zipfile.ZipFile, capture: dict[str, Any], prefix: str, roots: dict[str, str]
) -> list[Problem]:
    """Each timestamp token of a capture re-verified offline: it must sign the capture's
    manifest hash and chain to the anchor recorded for it (both carried in the package)."""
    from app.archive.timestamps import TSR_SUFFIX, chain_name, check_token

    problems = []
    names = [n for n in archive.namelist() if n.startswith(prefix) and n.endswith(TSR_SUFFIX)]
    for member in sorted(names):
        name = member.removeprefix(prefix)
        try:
            token = archive.read(member)
            chain_member = prefix + chain_name(name)
            chain = archive.read(chain_member) if chain_member in archive.namelist() else None
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            problems.append(Problem(capture.get("id"), name, f"unreadable: {exc}"))
            continue
        problem = check_token(
            token,
            chain,
            str(capture.get("manifest_sha256") or ""),
            expected_root=roots.get(member, ""),
        )
        if problem:
            problems.append(
                Problem(capture.get("id"), name, f"timestamp does not verify: {problem}")
            )
    return problems


def _bundle_problems(
    archive: zipfile.ZipFile,
    bundles: list[dict[str, Any]],
    files: list[dict[str, Any]],
    roots: dict[str, str],
) -> list[Problem]:
    """Each bundle's manifest, the files it lists, its tokens, and what it rests on."""
    from app.archive.timestamps import TSR_SUFFIX, chain_name, check_token

    in_package = {str(f.get("sha256")) for f in files}
    problems = []
    for bundle in bundles:
        folder, sha = str(bundle.get("folder") or ""), str(bundle.get("manifest_sha256") or "")
        found = _member_hash(archive, folder + MANIFEST_NAME)
        if isinstance(found, str) or found[0] != sha:
            what = found if isinstance(found, str) else f"the file is {found[0]}"
            problems.append(Problem(None, folder + MANIFEST_NAME, f"bundle names {sha}, {what}"))
            continue
        try:
            listed = list(json.loads(archive.read(folder + MANIFEST_NAME))["files"])
        except (KeyError, ValueError, TypeError) as exc:
            problems.append(Problem(None, folder + MANIFEST_NAME, f"unreadable: {exc}"))
            continue
        for entry in listed:
            path = folder + str(entry.get("name"))
            got = _member_hash(archive, path)
            if isinstance(got, str):
                problems.append(Problem(None, path, got))
            elif got != (entry.get("sha256"), entry.get("size")):
                problems.append(
                    Problem(None, path, f"its manifest says sha256 {entry.get('sha256')} "
                            f"({entry.get('size')} bytes), file has {got[0]} ({got[1]} bytes)")
                )  # fmt: skip
        for needed in bundle.get("rests_on") or []:
            if needed not in in_package:
                problems.append(
                    Problem(None, folder, f"rests on a file ({needed}) not in the package")
                )
        tokens = [n for n in archive.namelist() if n.startswith(folder) and n.endswith(TSR_SUFFIX)]
        for member in sorted(tokens):
            chain_member = chain_name(member)
            chain = archive.read(chain_member) if chain_member in archive.namelist() else None
            problem = check_token(
                archive.read(member), chain, sha, expected_root=roots.get(member, "")
            )
            if problem:
                problems.append(Problem(None, member, f"timestamp does not verify: {problem}"))
    return problems


def verify_package(path: str | Path) -> list[Problem]:
    """Every problem found in a package file (an empty list: it verifies)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem(None, str(path), f"not a readable ZIP file: {exc}")]
    with archive:
        try:
            manifest = json.loads(archive.read(PACKAGE_MANIFEST))
            files, captures = list(manifest["files"]), list(manifest["captures"])
            if manifest.get("format") != PACKAGE_FORMAT:
                raise ValueError(f"unknown format {manifest.get('format')!r}")
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
            return [Problem(None, PACKAGE_MANIFEST, f"missing or unreadable: {exc}")]
        roots = {
            str(t.get("path")): str(t.get("root_sha256") or "")
            for t in manifest.get("timestamps") or []
            if isinstance(t, dict)
        }
        problems = _file_problems(archive, files)
        try:
            problems.extend(_capture_problems(archive, captures, roots))
            bundles = [b for b in manifest.get("bundles") or [] if isinstance(b, dict)]
            problems.extend(_bundle_problems(archive, bundles, files, roots))
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            # A damaged member (already named above) stops the captures' deeper checks.
            problems.append(Problem(None, str(path), f"captures not checked further: {exc}"))
        return problems
