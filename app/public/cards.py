"""Claim cards (home, claim list and search, entity pages), rendered in Python.

A card is a dozen template variables, filters and translations; twenty of them
cost more than the rest of a search page, and an entity page lists up to 300.
As with the claim page's evidence (``app.public.evidence_html``) the translated
strings are looked up once per list and every value is escaped with
``html.escape``. Claims need ``models_named`` and ``content_named`` prefetched
(``queries.published_claims``) and an ``evidence_count`` annotation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from app.catalog.choices import Verdict
from app.catalog.models import Claim, Entity
from app.public.html import Localized, e
from app.public.render import fast_reverse


class ClaimCardRenderer:
    """Renders claim cards in the active language."""

    def __init__(self) -> None:
        self.verdicts = {value: e(label) for value, label in Verdict.choices}
        self.models_label = e(gettext("Models:"))
        self.content_label = e(gettext("Content:"))
        self.language_title = e(gettext("Language of the claim"))
        self._local = Localized()

    def render_all(
        self, claims: Iterable[Claim], snippets: Mapping[int, SafeString] | None = None
    ) -> SafeString:
        snippets = snippets or {}
        html = "".join(self.render(claim, snippets.get(claim.pk)) for claim in claims)
        return mark_safe(html)  # noqa: S308 (every value escaped)

    def render(self, claim: Claim, snippet: SafeString | None = None) -> str:
        url = e(fast_reverse("public:claim", claim.slug))
        parts = [
            '<article class="claim-card">\n',
            f'  <h3><a href="{url}" lang="{e(claim.language)}">{e(claim.statement)}</a></h3>\n',
        ]
        if snippet:
            parts.append(f'  <p class="snippet">{conditional_escape(snippet)}</p>\n')
        verdict = self.verdicts.get(claim.verdict, e(claim.verdict))
        parts.append(
            f'  <p class="meta">\n    <span class="verdict verdict-{e(claim.verdict)}">'
            f"{verdict}</span>\n    "
        )
        models = list(claim.models_named.all())
        content = list(claim.content_named.all())
        if models:
            parts.append(f'<span class="sep">{self.models_label}</span> {_links(models)}')
        if content:
            parts.append(f'\n    · <span class="sep">{self.content_label}</span> {_links(content)}')
        count: int = getattr(claim, "evidence_count", 0) or 0
        items = ngettext("%(counter)s evidence item", "%(counter)s evidence items", count) % {
            "counter": count
        }
        parts.append(
            f"\n    · {e(items)}\n"
            f'    · <span title="{self.language_title}">'
            f"{self._local.language(claim.language)}</span>\n"
        )
        if claim.published_at:
            local = timezone.localtime(claim.published_at)
            parts.append(
                f'    · <time datetime="{local.isoformat()}">{e(self._local.date(local))}</time>\n'
            )
        parts.append("  </p>\n</article>\n")
        return "".join(parts)


def _links(entities: list[Entity]) -> str:
    return ", ".join(
        f'<a href="{e(fast_reverse("public:entity", entity.slug))}">{e(entity.name)}</a>'
        for entity in entities
    )
