"""Capture states and errors in plain words, for readers and editors.

One place says what a capture's status and error class mean to a person:
a short label, one plain sentence, the technical detail (shown one click
away) and whether another try can succeed. ``retryable`` is also the rule
``archive.services.capture_retry`` enforces: a retry is refused for a failure
no retry can fix (a private address, a page that no longer exists, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from app.archive.models import CaptureStatus, ErrorClass
from app.catalog.choices import OnlineStatus

ARCHIVED = "archived"
PARTIAL = "partial"
FAILED = "failed"
IN_PROGRESS = "in_progress"
NOT_ARCHIVED = "not_archived"

# Failures another try can fix: the site was slow, busy, briefly unreachable,
# or something went wrong on our side. Everything else fails the same way again.
RETRYABLE_ERRORS = frozenset(
    {
        ErrorClass.TIMEOUT,
        ErrorClass.CONNECTION,
        ErrorClass.SERVER_ERROR,
        ErrorClass.RATE_LIMITED,
        ErrorClass.GONE,
        ErrorClass.MEDIA,
        ErrorClass.INTERNAL,
    }
)

_BADGES = {
    ARCHIVED: "succeeded",
    PARTIAL: "partial",
    FAILED: "failed",
    IN_PROGRESS: "running",
    NOT_ARCHIVED: "none",
}


@dataclass(frozen=True)
class CaptureState:
    key: str  # "archived" | "partial" | "failed" | "in_progress" | "not_archived"
    label: str  # plain words, translated
    explanation: str  # one plain sentence for readers/editors (why it failed, what it means)
    detail: str  # the technical detail (error class + error text), shown one click away
    retryable: bool  # True only for failures a retry can fix

    @property
    def badge(self) -> str:
        """The site's badge class for this state (``badge-<status>`` in site.css)."""
        return _BADGES.get(self.key, "none")

    @property
    def is_failed(self) -> bool:
        return self.key == FAILED

    @property
    def is_active(self) -> bool:
        return self.key == IN_PROGRESS


def error_explanation(error_class: str) -> str:
    """One plain sentence saying why a capture failed (translated)."""
    texts: dict[str, str] = {
        ErrorClass.TIMEOUT: _("The site took too long to answer; trying again later often works."),
        ErrorClass.TOO_LARGE: _("The page or file is larger than TrainedOn can archive."),
        ErrorClass.BLOCKED_ADDRESS: _(
            "TrainedOn does not archive private or local network addresses."
        ),
        ErrorClass.BAD_URL: _("This is not a web address TrainedOn can open."),
        ErrorClass.NOT_FOUND: _("The page no longer exists at this address (the site says so)."),
        ErrorClass.GONE: _(
            "The site's name could not be found: it may have closed, or be briefly unreachable."
        ),
        ErrorClass.CONNECTION: _("TrainedOn could not connect to the site; it may be down."),
        ErrorClass.RATE_LIMITED: _(
            "The site asked TrainedOn to slow down; trying again later usually works."
        ),
        ErrorClass.SERVER_ERROR: _("The site had an error of its own when asked for the page."),
        ErrorClass.CLIENT_ERROR: _("The site refused to give TrainedOn the page."),
        ErrorClass.LOGIN_WALL: _(
            "The page is behind a login, paywall or robot check, so TrainedOn could not see it."
        ),
        ErrorClass.UNSUPPORTED: _("TrainedOn cannot archive this kind of content."),
        ErrorClass.MEDIA: _("The video could not be downloaded or read."),
        ErrorClass.INTERNAL: _(
            "Something went wrong inside TrainedOn while archiving; the site is not at fault."
        ),
    }
    return texts.get(error_class, _("Archiving did not succeed."))


def error_short_label(error_class: str) -> str:
    """A few plain words for a failure class, for charts and tables (translated)."""
    labels: dict[str, str] = {
        ErrorClass.TIMEOUT: _("Site too slow"),
        ErrorClass.TOO_LARGE: _("Too large to archive"),
        ErrorClass.BLOCKED_ADDRESS: _("Private or local address"),
        ErrorClass.BAD_URL: _("Not a usable address"),
        ErrorClass.NOT_FOUND: _("Page no longer exists"),
        ErrorClass.GONE: _("Site not found"),
        ErrorClass.CONNECTION: _("Could not connect"),
        ErrorClass.RATE_LIMITED: _("Site asked to slow down"),
        ErrorClass.SERVER_ERROR: _("Error on the site"),
        ErrorClass.CLIENT_ERROR: _("Refused by the site"),
        ErrorClass.LOGIN_WALL: _("Behind a login or robot check"),
        ErrorClass.UNSUPPORTED: _("Content not supported"),
        ErrorClass.MEDIA: _("Video could not be read"),
        ErrorClass.INTERNAL: _("Error inside TrainedOn"),
    }
    return labels.get(error_class, _("Unknown reason"))


def _detail(error_class: str, error_text: str) -> str:
    parts = [p for p in (error_class, error_text.strip()) if p]
    return ": ".join(parts)


def describe_capture(
    status: str | None, error_class: str = "", error_text: str = ""
) -> CaptureState:
    """What a capture's ``status`` (a ``CaptureStatus`` value, or None for no
    capture) and error mean, in plain words."""
    error_class = error_class or ""
    error_text = error_text or ""
    detail = _detail(error_class, error_text)
    if status in (CaptureStatus.QUEUED, CaptureStatus.RUNNING):
        return CaptureState(
            IN_PROGRESS,
            _("Being archived"),
            _("TrainedOn is making a copy of this page; this usually takes a minute."),
            "",
            False,
        )
    if status == CaptureStatus.SUCCEEDED:
        return CaptureState(
            ARCHIVED,
            _("Archived"),
            _("TrainedOn keeps a copy of this page as it was when it was captured."),
            detail,
            False,
        )
    if status == CaptureStatus.PARTIAL:
        explanation = _("The page was archived, but not everything on it could be kept.")
        if error_class:
            explanation = f"{explanation} {error_explanation(error_class)}"
        return CaptureState(
            PARTIAL,
            _("Partly archived"),
            explanation,
            detail,
            error_class in RETRYABLE_ERRORS,
        )
    if status == CaptureStatus.FAILED:
        return CaptureState(
            FAILED,
            _("Archiving failed"),
            error_explanation(error_class),
            detail,
            # A failure with no recorded class is given the benefit of the doubt.
            not error_class or error_class in RETRYABLE_ERRORS,
        )
    return CaptureState(
        NOT_ARCHIVED,
        _("Not archived"),
        _("No copy of this page has been made yet."),
        "",
        False,
    )


@dataclass(frozen=True)
class LinkState:
    """The original address's health, as the monitor last saw it, in one coherent
    status: a source never checked is "not checked yet", whatever its stored status."""

    key: str  # "unchecked" | "alive" | "changed" | "moved" | "gone" | "blocked" | "unknown"
    label: str
    explanation: str
    checked_at: datetime | None


def describe_link(
    online_status: str | None, last_checked_at: datetime | None, gone_since: datetime | None = None
) -> LinkState:
    """What the monitor knows of the original page (``Source.online_status`` and the
    time of its last check), in plain words."""
    labels = dict(OnlineStatus.choices)
    status = online_status or OnlineStatus.UNKNOWN
    if status == OnlineStatus.GONE:
        return LinkState(
            "gone",
            str(labels[OnlineStatus.GONE]),
            _("The original page is gone; the archived copy is what remains."),
            last_checked_at or gone_since,
        )
    if last_checked_at is None:
        return LinkState(
            "unchecked",
            str(labels[OnlineStatus.UNKNOWN]),
            _("TrainedOn has not yet checked whether the original page is still online."),
            None,
        )
    texts: dict[str, str] = {
        OnlineStatus.ALIVE: _("The original page was still online at the last check."),
        OnlineStatus.CHANGED: _(
            "The original page was online at the last check, but its text had changed since "
            "it was archived."
        ),
        OnlineStatus.MOVED: _("At the last check, the original address led somewhere else."),
        OnlineStatus.BLOCKED: _(
            "The site blocked the last check (a login wall, robot check or rate limit), "
            "so whether the page is still online is not known."
        ),
    }
    if status in texts:
        return LinkState(str(status), str(labels[status]), texts[status], last_checked_at)
    return LinkState(
        "unknown",
        _("Could not tell"),
        _("The last check could not tell whether the original page is still online."),
        last_checked_at,
    )
