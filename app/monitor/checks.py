"""Reading a link check: the schedule, and what a response says about a source.

Pure functions over responses and dates (no database), used by
app.monitor.services.

Schedule: a source is checked 1, 3, 10, 30 and 90 days after its last
change (or after it was added), then every 90 days. After a check that
failed (gone, blocked, error) the next one comes a day later, so that the
three strikes it takes to mark a source gone are at least a day apart.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from app.archive.detect import HEADING, TITLE, visible_text

SCHEDULE_DAYS = (1, 3, 10, 30, 90)
REPEAT_DAYS = 90
AFTER_FAILURE = timedelta(days=1)
STRIKES_TO_GONE = 3
STRIKE_GAP = timedelta(days=1)
# Names under these can never resolve (RFC 2606, RFC 6761): the demo's sources live there.
RESERVED_SUFFIXES = (".example", ".invalid", ".test", ".localhost")
TEXT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", "application/pdf"})

# What platforms show in place of a removed video or post (title, heading or a short page).
REMOVED_MARKERS = re.compile(
    r"this video (has been|was) removed|this video is no longer available|"
    r"this video isn['’]t available any ?more|video unavailable|this video is unavailable|"
    r"video currently unavailable|this video (does not|doesn['’]t) exist|"
    r"sorry, this video does not exist|this (post|tweet) (was|has been) deleted|"
    r"this page (isn['’]t|is not) available|this content isn['’]t available|"
    r"the (page|content|video) you (are|were) looking for (is|was) (no longer|not) available|"
    r"this account (has been|was) (suspended|terminated)|"
    r"removed for violating|has been removed (by|due to)",
    re.IGNORECASE,
)
# A page with this much visible text is an article, even if it mentions a removal.
SHORT_PAGE = 2000


def next_check(*, reference: datetime, now: datetime) -> datetime:
    """The next check: the first of 1, 3, 10, 30, 90 days after ``reference`` still ahead, then
    every 90 days."""
    for days in SCHEDULE_DAYS:
        due = reference + timedelta(days=days)
        if due > now:
            return due
    return now + timedelta(days=REPEAT_DAYS)


def is_reserved_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return any(host == s[1:] or host.endswith(s) for s in RESERVED_SUFFIXES)


def removal_notice(html: str) -> str:
    """The words of a platform's "this video has been removed" page, or ''."""
    head = html[:300_000]
    for found in (_first(TITLE, head), _first(HEADING, head), _og_title(head)):
        match = REMOVED_MARKERS.search(found)
        if match:
            return match.group(0)
    text = visible_text(head)
    if len(text) < SHORT_PAGE:
        match = REMOVED_MARKERS.search(text)
        if match:
            return match.group(0)
    return ""


def _first(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    return match.group(1) if match else ""


_OG_TITLE = re.compile(
    r"<meta\b[^>]*property\s*=\s*[\"']og:title[\"'][^>]*content\s*=\s*[\"']([^\"']*)", re.I
)


def _og_title(html: str) -> str:
    return _first(_OG_TITLE, html)


def _place(url: str) -> tuple[str, str, str]:
    """Host (without ``www.``), path (without a trailing slash) and query: where a URL points."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host, parts.path.rstrip("/") or "/", parts.query


def is_soft_404(requested: str, final: str) -> bool:
    """Redirected from a page to a site's home page: how many sites "remove" a page."""
    return _place(requested)[1] != "/" and _place(final)[1] == "/"


def is_moved(requested: str, final: str) -> bool:
    """Redirected somewhere else (not just http→https, ``www.`` or a trailing slash)."""
    return _place(requested) != _place(final)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()
