"""Comparing two texts of a page: "did it really change?" and a readable word diff.

"Changed" is decided on ``app.lib.text.normalize_text`` (spacing, letter case,
punctuation and words holding a digit ignored), the same normalization behind
``Capture.text_sha256``: the link checker and the versions page agree.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from app.lib.text import MAX_WORDS, normalized_words
from app.lib.text import text_sha256 as normalized_sha256

__all__ = ["MAX_WORDS", "compare", "normalized_sha256", "normalized_words", "word_diff"]

CONTEXT_WORDS = 12


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
