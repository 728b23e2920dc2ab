"""The one JSON body parser of the API: limits checked before anything is built.

``json.loads`` recurses once per nesting level, so ``[[[[…`` 60,000 deep ends
in ``RecursionError`` (a 500) after using the whole stack; a string escape such
as ``"\\ud800"`` (a lone surrogate) or ``"\\u0000"`` (NUL) parses fine and fails
later, when the value is encoded for PostgreSQL or for a file name. This module
refuses all three with a message a client can act on:

- the nesting depth is counted in one linear pass over the text, before
  parsing (strings skipped), and more than `MAX_DEPTH` levels is refused;
- the text must be UTF-8; ``NaN`` and ``Infinity`` are refused (not JSON);
- every string (keys too) must be valid Unicode without NUL.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class BadJSON(ValueError):
    """A body that is not acceptable JSON; the message is safe to show."""


def nesting_depth(text: str, limit: int) -> int:
    """The deepest nesting of arrays and objects, counting stops past ``limit``."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


def _constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a JSON number.")


def _check_strings(value: Any) -> None:
    # The depth is bounded before this runs, so the recursion is too.
    if isinstance(value, str):
        if "\x00" in value:
            raise BadJSON("A string contains a NUL character (\\u0000), which is not accepted.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadJSON(
                "A string contains a lone surrogate (such as \\ud800), which is not valid Unicode."
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def parse(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of ``raw``, or `BadJSON` saying what is wrong with it."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadJSON("The body is not UTF-8.") from None
    else:
        text = raw
    if nesting_depth(text, max_depth) > max_depth:
        raise BadJSON(f"The JSON is nested more than {max_depth} levels deep.")
    try:
        value = json.loads(text, parse_constant=_constant)
    except BadJSON:
        raise
    except ValueError as exc:
        raise BadJSON(f"The body is not valid JSON ({exc}).") from None
    _check_strings(value)
    return value
