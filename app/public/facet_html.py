"""One facet of the claim list (a fieldset of checkboxes with counts), rendered in Python.

Six facets of up to a dozen values each went through ``slugify``, ``intcomma``
and ``add`` filters per value in the template: a third of a search page's
rendering. Same HTML, every value escaped with ``html.escape``.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language_info

if TYPE_CHECKING:
    from app.public.queries import FacetValue


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code.upper()


def render_facet(
    name: str, legend: str, values: list[FacetValue] | None, estimated: bool = False
) -> SafeString:
    """The fieldset of one facet, or nothing when it has no values."""
    if not values:
        return mark_safe("")
    about = "≈" if estimated else ""
    items = []
    for v in values:
        fid = _e(slugify(f"f-{name}-{v.value}"))
        label = _language_name(v.value) if name == "language" else v.label
        checked = " checked" if v.selected else ""
        items.append(
            f'\n    <li><input type="checkbox" id="{fid}" name="{_e(name)}" value="{_e(v.value)}"'
            f'{checked}>\n      <label for="{fid}">{_e(label)} <span class="count">'
            f"({about}{_e(intcomma(v.count))})</span></label></li>\n  "
        )
    html = (
        f'<fieldset class="facet">\n  <legend>{_e(legend)}</legend>\n'
        f"  <ul>{''.join(items)}</ul>\n</fieldset>"
    )
    return mark_safe(html)  # noqa: S308 (every value escaped)
