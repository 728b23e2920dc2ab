"""One facet of the claim list (a fieldset of checkboxes with counts), rendered in Python.

Six facets of up to a dozen values each went through ``slugify``, ``intcomma``
and ``add`` filters per value in the template: a third of a search page's
rendering. Same HTML, every value escaped with ``html.escape``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from app.public.html import e, language_name

if TYPE_CHECKING:
    from app.public.queries import FacetValue


def render_facet(
    name: str, legend: str, values: list[FacetValue] | None, estimated: bool = False
) -> SafeString:
    """The fieldset of one facet, or nothing when it has no values."""
    if not values:
        return mark_safe("")
    about = "≈" if estimated else ""
    items = []
    for v in values:
        fid = e(slugify(f"f-{name}-{v.value}"))
        label = language_name(v.value) if name == "language" else v.label
        checked = " checked" if v.selected else ""
        items.append(
            f'\n    <li><input type="checkbox" id="{fid}" name="{e(name)}" value="{e(v.value)}"'
            f'{checked}>\n      <label for="{fid}">{e(label)} <span class="count">'
            f"({about}{e(intcomma(v.count))})</span></label></li>\n  "
        )
    html = (
        f'<fieldset class="facet">\n  <legend>{e(legend)}</legend>\n'
        f"  <ul>{''.join(items)}</ul>\n</fieldset>"
    )
    return mark_safe(html)  # noqa: S308 (every value escaped)
