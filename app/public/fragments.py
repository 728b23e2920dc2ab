"""Template fragments that are the same for every reader of a language, rendered once.

A page's frame (the site header and its menu, the footer, the stylesheet and script
links) and most of a claim page's headings are ``{% translate %}``, ``{% url %}``
and ``{% static %}`` tags that give the same text for every request in one language:
on an uncached claim page they were about a quarter of Django's CPU time (the
profile in bench/README.md). ``{% per_language %}…{% endper_language %}``
(``{% load fragments %}``) renders its content once per process, language and
script prefix and then returns the stored text. The markup stays in the template.

What may go inside: only what depends on the active language and the deployment
(URLconf, static manifest, settings), never on the request, the reader, the page's
object or the date. A block, ``{% csrf_token %}``, a variable other than
``LANGUAGE_CODE``, an ``{% include %}`` or a custom tag other than ``{% static %}``
inside one is refused when the template is parsed, so a mistake is an error, not a
page shown to the wrong reader. The store is in process memory (nothing is shared
between processes or written to the page cache), bounded, and emptied when a
setting changes (tests' ``override_settings``).

``translated_path`` memoizes the other recurring cost of the frame: the current
address in each language (the ``hreflang`` links and the language switch) resolved
through the URLconf four times a page.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, translate_url
from django.utils.translation import get_language

MAX_FRAGMENTS = 2_000
MAX_PATHS = 4_096

_ids = itertools.count(1)
_lock = threading.Lock()
_fragments: dict[tuple[int, str | None, str], str] = {}
_paths: OrderedDict[tuple[str, str, str], str] = OrderedDict()


def new_id() -> int:
    """A number for one fragment of one parsed template, never reused in the process
    (a reloaded template's fragments get new ones, so they never read stale text)."""
    return next(_ids)


def fragment(fragment_id: int, render: Any) -> str:
    """The fragment's text in the active language: stored, or ``render()`` and stored."""
    key = (fragment_id, get_language(), get_script_prefix())
    text = _fragments.get(key)
    if text is None:
        text = render()
        with _lock:
            if len(_fragments) >= MAX_FRAGMENTS:
                _fragments.clear()
            _fragments[key] = text
    return text


def translated_path(full_path: str, language: str) -> str:
    """``translate_url(full_path, language)``, remembered for the last few thousand
    addresses (it resolves and reverses through the URLconf each time)."""
    key = (full_path, language, get_script_prefix())
    found = _paths.get(key)
    if found is None:
        found = translate_url(full_path, language)
        with _lock:
            _paths[key] = found
            if len(_paths) > MAX_PATHS:
                _paths.popitem(last=False)
    return found


def clear() -> None:
    with _lock:
        _fragments.clear()
        _paths.clear()


@receiver(setting_changed)
def _setting_changed(**_kwargs: Any) -> None:
    clear()
