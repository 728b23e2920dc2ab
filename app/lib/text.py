"""One normalization of text, so that "the text changed" means one thing everywhere.

``Capture.text_sha256`` (set by the archive's extract and document steps) and
the link checker's ``LinkCheck.text_sha256`` (app.monitor) are both
``text_sha256(text)``; the versions page folds captures with equal hashes, and
the link checker calls a page "changed" only when its normalized words differ
from the archived ones.

Normalization ignores what changes without anyone editing: spacing, letter
case, punctuation, and any word holding a digit (dates, times, view and
comment counters all become ``#``). The price, documented for editors: an
edit that only changes a number is not flagged by itself.
"""

from __future__ import annotations

import hashlib
import re

# Past this many words a text is cut for comparison (difflib is quadratic at worst).
MAX_WORDS = 60_000
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_DIGIT = re.compile(r"\d")


def normalized_words(text: str) -> list[str]:
    """The words that count: case-folded, punctuation removed, numbers as ``#``."""
    words = []
    for raw in text.split():
        token = _NOT_WORD.sub("", raw.casefold())
        if not token:
            continue
        words.append("#" if _DIGIT.search(token) else token)
        if len(words) >= MAX_WORDS:
            break
    return words


def normalize_text(text: str) -> str:
    """The normalized words joined by single spaces ("" for a text with no words)."""
    return " ".join(normalized_words(text))


def text_sha256(text: str) -> str:
    """SHA-256 (hex) of ``normalize_text(text)``: equal for texts that differ only in noise."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
