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

``language_choices`` memoizes the other recurring cost of the frame: what the
``hreflang`` links and the language switch need per language (the current address
in that language, resolved through the URLconf, the switch's ``set_language``
address with its ``?next=``, the language's own name), computed once per address
and language instead of by four template tags per language and page.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import capfirst, urlencode
from django.urls import get_script_prefix, reverse, translate_url
from django.utils.translation import get_language, get_language_info

MAX_FRAGMENTS = 2_000
MAX_PATHS = 4_096

_ids = itertools.count(1)
_lock = threading.Lock()
_fragments: dict[tuple[int, str | None, str], str] = {}
# The render context's key for (language, script prefix) of the template being rendered.
_WHERE = object()
# (code, own name, the current address in that language, the switch's formaction, active)
LanguageChoice = tuple[str, str, str, str, bool]
_choices: OrderedDict[tuple[str | None, str, str], tuple[LanguageChoice, ...]] = OrderedDict()


def new_id() -> int:
    """A number for one fragment of one parsed template, never reused in the process
    (a reloaded template's fragments get new ones, so they never read stale text)."""
    return next(_ids)


def fragment(fragment_id: int, render: Any, render_context: Any = None) -> str:
    """The fragment's text in the active language: stored, or ``render()`` and stored.

    With the template's ``render_context`` (the state Django keeps for one render of
    one template: a fresh one for each render and each included template), the
    language and script prefix are read once per template render instead of once per
    fragment (two ``asgiref`` Local reads each; a claim page has 37 fragments). They
    cannot change in between: nothing inside one template's render switches the
    language except ``{% language %}``, and ``{% per_language %}`` refuses to be
    placed inside one (an ``{% include %}`` inside one gets its own render context)."""
    if render_context is None:
        where = (get_language(), get_script_prefix())
    else:
        where = render_context.get(_WHERE)
        if where is None:
            where = render_context[_WHERE] = (get_language(), get_script_prefix())
    key = (fragment_id, *where)
    text = _fragments.get(key)
    if text is None:
        text = render()
        with _lock:
            if len(_fragments) >= MAX_FRAGMENTS:
                _fragments.clear()
            _fragments[key] = text
    return text


def language_choices(full_path: str | None) -> tuple[LanguageChoice, ...]:
    """Per language of ``LANGUAGES``, in order: its code, its own name ("Français"), the
    page ``full_path`` in it (``translate_url``; "/" without a page), the language
    switch button's formaction (``set_language`` with that address as ``?next=``) and
    whether it is the active language. Remembered for the last few thousand
    addresses: resolving and reversing through the URLconf each time was a visible
    share of every page's frame."""
    language = get_language()
    key = (full_path, language, get_script_prefix())
    found = _choices.get(key)
    if found is None:
        found = _language_choices(full_path, language)
        with _lock:
            _choices[key] = found
            if len(_choices) > MAX_PATHS:
                _choices.popitem(last=False)
    return found


def _language_choices(full_path: str | None, active: str) -> tuple[LanguageChoice, ...]:
    action = reverse("set_language")
    choices = []
    for code, _name in settings.LANGUAGES:
        target = "/" if full_path is None else translate_url(full_path, code)
        name = capfirst(get_language_info(code)["name_local"])
        choices.append((code, name, target, f"{action}?next={urlencode(target)}", code == active))
    return tuple(choices)


def clear() -> None:
    with _lock:
        _fragments.clear()
        _choices.clear()


@receiver(setting_changed)
def _setting_changed(**_kwargs: Any) -> None:
    clear()
