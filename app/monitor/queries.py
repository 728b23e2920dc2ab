"""Reads for the monitor pages: the versions of a source and a diff between two of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.archive.models import WITH_FILES, Artifact, ArtifactKind, Capture
from app.archive.storage import open_artifact
from app.catalog.models import Source
from app.monitor.diff import WordDiff, word_diff
from app.monitor.models import LinkCheck

RECENT_CHECKS = 20
# Texts longer than this are compared on their first part only (the page says so).
MAX_TEXT_BYTES = 2 * 1024 * 1024


class BadVersion(ValueError):
    """A version asked for in the query string is not one of this source's."""


@dataclass
class Version:
    """One distinct text of a source: the capture that first had it, and later ones with it."""

    capture: Capture
    text: Artifact
    also: list[Capture] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.capture.text_sha256 or self.text.sha256


def source_versions(source: Source) -> list[Version]:
    """Captures with extracted text, oldest first; captures repeating the text are folded in."""
    texts = (
        Artifact.objects.filter(
            capture__source=source, capture__status__in=WITH_FILES, kind=ArtifactKind.TEXT
        )
        .select_related("capture")
        .order_by("capture__created_at", "capture_id")
    )
    versions: list[Version] = []
    for artifact in texts:
        version = Version(artifact.capture, artifact)
        if versions and versions[-1].key == version.key:
            versions[-1].also.append(artifact.capture)
        else:
            versions.append(version)
    return versions


def recent_checks(source: Source) -> list[LinkCheck]:
    return list(source.link_checks.all()[:RECENT_CHECKS])


def _read(artifact: Artifact) -> str:
    with open_artifact(artifact) as handle:
        return bytes(handle.read(MAX_TEXT_BYTES)).decode("utf-8", "replace")


def _pick(versions: list[Version], raw: str | None, default: Version) -> Version:
    if not raw:
        return default
    if not raw.isdigit():
        raise BadVersion(raw)
    for version in versions:
        if int(raw) in {version.capture.pk, *(c.pk for c in version.also)}:
            return version
    raise BadVersion(raw)


@dataclass
class Comparison:
    old: Version
    new: Version
    diff: WordDiff


def compare_versions(
    versions: list[Version], old: str | None, new: str | None
) -> Comparison | None:
    """The diff between two versions (by capture id); the last two by default.

    Raises ``BadVersion`` for an id that is not a capture of this source with text.
    """
    if not versions:
        if old or new:
            raise BadVersion(old or new or "")
        return None
    first = _pick(versions, old, versions[-2] if len(versions) > 1 else versions[-1])
    second = _pick(versions, new, versions[-1])
    return Comparison(first, second, word_diff(_read(first.text), _read(second.text)))
