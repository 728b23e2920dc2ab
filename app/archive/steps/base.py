"""What a capture step is, and the context the steps share.

A step is a plain function ``run(ctx)`` plus a ``should_run(ctx)`` predicate,
registered in order in ``app.archive.steps.STEPS``. The pipeline records one
``CaptureStep`` row per step that should run: ``succeeded``, ``failed`` (with
an error class) or ``skipped`` (with the reason, when ``run`` raises
``StepSkipped``). A step that fails never undoes what earlier steps stored.

Steps do their slow work (network, browser, parsing, hashing and writing
files) outside any transaction, then record it through ``ctx.store(...)`` /
``ctx.store_many(...)``/``ctx.locked()``: a short transaction that locks the
capture row, re-checks that this run still owns it (STYLE.md habit 5) and
inserts rows. No file is hashed or written while the lock is held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

from app.archive.models import Artifact, Capture, CaptureStatus, ErrorClass
from app.archive.storage import insert_artifact, put_file
from app.lib.prepared import PreparedQuery

if TYPE_CHECKING:
    from app.archive.browser import BrowserProvider
    from app.lib.http import FetchResult

# Failures worth another try later; everything else is permanent.
TRANSIENT_ERRORS = frozenset(
    {ErrorClass.TIMEOUT, ErrorClass.CONNECTION, ErrorClass.SERVER_ERROR, ErrorClass.RATE_LIMITED}
)


class StepFailed(Exception):
    """A step could not do its job; ``error_class`` is one of ``ErrorClass``."""

    def __init__(
        self,
        error_class: str,
        message: str,
        *,
        retry_after: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.retry_after = retry_after
        self.details = details or {}

    @property
    def transient(self) -> bool:
        return self.error_class in TRANSIENT_ERRORS


class StepSkipped(Exception):
    """The step does not apply after all; the message is recorded as the reason."""


class LostClaim(Exception):
    """Another run owns this capture now (the sweep re-queued it): stop writing."""


class StepTimeout(Exception):
    """The step's soft time limit passed (raised by the pipeline's alarm)."""


# Whether this run still owns the capture, its row locked until the transaction ends.
# Every write of every step takes it (two to four times a step): compiled to SQL once
# per thread and connection instead of each time (about 0.5 ms of CPU each).
_OWNED = PreparedQuery(
    lambda pk, token: (
        Capture.objects.select_for_update()
        .filter(pk=pk, status=CaptureStatus.RUNNING, worker=token)
        .values_list("pk")[:1]
    ),
    0,
    "",
)


@dataclass
class StepOutcome:
    """What a successful step reports besides its artifacts."""

    details: dict[str, Any] = field(default_factory=dict)
    tool_version: str = ""


@dataclass
class CaptureContext:
    """Everything one run of one capture knows, passed from step to step."""

    capture: Capture
    token: str
    browser: BrowserProvider | None = None
    fetch: FetchResult | None = None
    media_type: str = ""
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    failures: list[tuple[str, StepFailed]] = field(default_factory=list)
    fatal: StepFailed | None = None
    tool_versions: dict[str, str] = field(default_factory=dict)
    # Writes (SQL only) a step hands to the transaction that records its outcome.
    pending_writes: list[Callable[[], None]] = field(default_factory=list)

    @property
    def is_html(self) -> bool:
        return self.media_type in ("text/html", "application/xhtml+xml")

    @contextmanager
    def locked(self) -> Iterator[Capture]:
        """A transaction holding the capture row, after checking this run still owns it."""
        with transaction.atomic():
            if not _OWNED(self.capture.pk, self.token):
                raise LostClaim(f"capture {self.capture.pk} is no longer ours ({self.token})")
            yield self.capture

    def store(self, **kwargs: Any) -> Artifact:
        """Store one file for this capture: written first, then its row under the lock."""
        return self.store_many(kwargs)[0]

    def store_many(
        self, *files: dict[str, Any], capture_fields: tuple[str, ...] = ()
    ) -> list[Artifact]:
        """Write every file (hash and storage, no lock held), then insert their rows in one
        short transaction holding the capture row, with ``capture_fields`` of the capture
        saved in the same transaction.

        Each file is the keyword arguments of ``store_artifact`` (``name``, ``data`` or
        ``path``, ``kind``, ``media_type``, ...), or ``stored=`` a ``StoredFile`` already
        written (shared files); ``derived_from`` may be an ``Artifact`` or the name of a
        file stored earlier in this capture (this call included).
        """
        written = []
        for spec in files:
            row = dict(spec)
            stored = row.pop("stored", None) or put_file(
                name=row.pop("name"),
                data=row.pop("data", None),
                path=row.pop("path", None),
                storage=row.pop("storage", None),
            )
            written.append((stored, row))
        made = []
        with self.locked():
            for stored, row in written:
                if isinstance(row.get("derived_from"), str):
                    row["derived_from"] = self.artifacts.get(row["derived_from"])
                artifact = insert_artifact(capture=self.capture, stored=stored, **row)
                self.artifacts[artifact.name] = artifact
                made.append(artifact)
            if capture_fields:
                self.capture.save(update_fields=list(capture_fields))
        return made

    def write_with_step_row(self, write: Callable[[], None]) -> None:
        """Run ``write`` (inserts, no file I/O) in the short transaction, holding the
        capture row, that records this step's outcome: one transaction for the step's
        rows and its ``CaptureStep`` instead of two. The write happens even if the step
        then fails; if it raises, the step is recorded as failed (``internal``)."""
        self.pending_writes.append(write)

    def save_capture(self, *fields: str) -> None:
        """Save named fields of the capture, under the ownership lock."""
        with self.locked():
            self.capture.save(update_fields=list(fields))


@dataclass(frozen=True)
class Step:
    """One registered step. ``time_limit`` is its soft limit in seconds (a backstop:
    the fetch and browser steps also bound themselves)."""

    name: str
    run: Callable[[CaptureContext], StepOutcome | None]
    should_run: Callable[[CaptureContext], bool]
    tool: str
    version: Callable[[], str]
    time_limit: Callable[[], float]
    # A required step that fails ends the capture (nothing else can work without it).
    required: bool = False
    # A short step's row is inserted once, when it ends (with its start time), not
    # also as "running" when it starts: one transaction a capture fewer, and none
    # more with ``write_with_step_row``. While it runs, the capture shows no row for it.
    recorded_at_end: bool = False
