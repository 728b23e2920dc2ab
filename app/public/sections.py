"""Claim-page sections owned by apps that build on this one (the disclosure gap).

Such an app registers, when it is ready, an expression saying whether its section has
anything to show every reader for a claim (given an ``OuterRef`` to the claim). The
claim's own query asks them all (`app.public.queries.claim_page_shown`), so the page
runs a section's query only when it has something to show, and this app imports none
of those apps (they import it: tests/test_layers.py forbids the cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_SECTIONS: dict[str, Callable[[Any], Any]] = {}


def register(name: str, exists: Callable[[Any], Any]) -> None:
    """``exists(claim)``: an expression true when section ``name`` shows something."""
    _SECTIONS[name] = exists


def names() -> list[str]:
    return list(_SECTIONS)


def expressions(claim: Any) -> list[Any]:
    """The registered expressions for ``claim``, in the order of `names`."""
    return [exists(claim) for exists in _SECTIONS.values()]
