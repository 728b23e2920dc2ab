"""Markdown to safe HTML, for summaries written by editors and contributors.

Two locks: markdown-it-py runs with raw HTML off (``<script>`` stays text),
and nh3 then keeps only an allow-list of tags, attributes and URL schemes
(so ``[x](javascript:...)`` loses its link). Both the editor preview and the
public pages use `render_markdown`, so what an editor previews is what a
reader gets.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def _demote_headings(html: str) -> str:
    # A summary sits under the page's own h1/h2: its # and ## become h3 and h4.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return html


def render_markdown(text: str | None) -> SafeString:
    """Render Markdown to sanitized HTML that is safe to put in a page as is."""
    if not text:
        return mark_safe("")
    html = _demote_headings(_parser().render(text))
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitized by nh3 just above)
