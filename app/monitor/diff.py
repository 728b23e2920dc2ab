"""Comparing two texts of a page: "did it really change?" and a readable word diff.

Normalized comparison ignores what changes without anyone editing: spacing,
letter case, punctuation, and any word holding a digit (dates, times, view
and comment counters all become ``#``). The price, documented for editors:
an edit that only changes a number is not flagged by itself.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Past this many words a text is cut for comparison (difflib is quadratic at worst).
MAX_WORDS = 60_000
CONTEXT_WORDS = 12
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_DIGIT = re.compile(r"\d")


def normalized_words(text: str) -> list[str]:
    words = []
    for raw in text.split():
        token = _NOT_WORD.sub("", raw.casefold())
        if not token:
            continue
        words.append("#" if _DIGIT.search(token) else token)
    return words[:MAX_WORDS]


def normalized_sha256(text: str) -> str:
    return hashlib.sha256(" ".join(normalized_words(text)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Comparison:
    changed: bool
    added: int
    removed: int


def compare(old: str, new: str) -> Comparison:
    """Whether ``new`` differs from ``old`` in substance, with word counts added and removed."""
    a, b = normalized_words(old), normalized_words(new)
    if a == b:
        return Comparison(False, 0, 0)
    added = removed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op in ("delete", "replace"):
            removed += i2 - i1
        if op in ("insert", "replace"):
            added += j2 - j1
    return Comparison(True, added, removed)


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "added", "removed" or "gap" (unchanged words left out)
    text: str


@dataclass(frozen=True)
class WordDiff:
    segments: list[Segment]
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def as_html(self) -> SafeString:
        """``<ins>``/``<del>`` around changed words; every word escaped."""
        parts = []
        for segment in self.segments:
            if segment.kind == "added":
                parts.append(format_html("<ins>{}</ins>", segment.text))
            elif segment.kind == "removed":
                parts.append(format_html("<del>{}</del>", segment.text))
            elif segment.kind == "gap":
                parts.append(format_html('<span class="gap">{}</span>', segment.text))
            else:
                parts.append(escape(segment.text))
        return mark_safe(" ".join(parts))  # noqa: S308 (each part is escaped above)


def _same(words: list[str], first: bool, last: bool, context: int) -> list[Segment]:
    """Unchanged words, cut to ``context`` words either side of a change."""
    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    if len(words) <= keep_head + keep_tail + 1:
        return [Segment("same", " ".join(words))] if words else []
    segments = []
    if keep_head:
        segments.append(Segment("same", " ".join(words[:keep_head])))
    segments.append(Segment("gap", f"[… {len(words) - keep_head - keep_tail} words …]"))
    if keep_tail:
        segments.append(Segment("same", " ".join(words[-keep_tail:])))
    return segments


def word_diff(old: str, new: str, *, context: int = CONTEXT_WORDS) -> WordDiff:
    """The words removed from ``old`` and added in ``new``, with some unchanged context."""
    a, b = old.split()[:MAX_WORDS], new.split()[:MAX_WORDS]
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=len(a) > 5000).get_opcodes()
    segments: list[Segment] = []
    added = removed = 0
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            first, last = index == 0, index == len(opcodes) - 1
            segments.extend(_same(a[i1:i2], first, last, context))
            continue
        if i2 > i1:
            segments.append(Segment("removed", " ".join(a[i1:i2])))
            removed += i2 - i1
        if j2 > j1:
            segments.append(Segment("added", " ".join(b[j1:j2])))
            added += j2 - j1
    return WordDiff(segments, added, removed)
