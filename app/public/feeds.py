"""Atom feeds: all claims, the claims naming an entity, and one claim's updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _

from app.catalog.access import public_evidence
from app.catalog.models import Claim, Entity, VerdictChange
from app.catalog.naming import public_naming
from app.lib.markdown import render_markdown
from app.public import queries

FEED_SIZE = 50


class ClaimsFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("TrainedOn: latest claims")

    def subtitle(self) -> str:
        return _("Claims about what AI models were trained on, as they are published.")

    def link(self) -> str:
        return reverse("public:claims")

    def items(self) -> list[Claim]:
        return list(queries.published_claims().order_by("-published_at", "-id")[:FEED_SIZE])

    def item_title(self, item: Claim) -> str:
        return item.statement

    def item_description(self, item: Claim) -> str:
        # <summary type="html">: a feed reader renders this as HTML, so the
        # Markdown goes through the site's one sanitizing renderer and the
        # rest is escaped, exactly as on the claim page.
        return format_html(
            "<p>{}: {}.</p>{}",
            _("Verdict"),
            item.get_verdict_display(),
            render_markdown(item.summary),
        )

    def item_link(self, item: Claim) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Claim) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Claim) -> datetime:
        return item.updated_at

    def item_categories(self, item: Claim) -> list[str]:
        return [e.name for e in item.models_named.all()] + [
            e.name for e in item.content_named.all()
        ]


class EntityFeed(ClaimsFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Entity:
        entity = Entity.objects.filter(slug=slug).first()
        if entity is None:
            raise Http404("No entity has that address.")
        return entity

    def title(self, obj: Entity) -> str:  # type: ignore[override]
        return _("TrainedOn: claims naming %(name)s") % {"name": obj.name}

    def link(self, obj: Entity) -> str:  # type: ignore[override]
        return obj.get_absolute_url()

    def items(self, obj: Entity) -> list[Claim]:  # type: ignore[override]
        ids = public_naming(obj).values("pk")  # the one naming rule, as on its page
        claims = queries.published_claims().filter(pk__in=ids)
        return list(claims.order_by("-published_at", "-id")[:FEED_SIZE])


@dataclass
class Update:
    guid: str
    title: str
    description: str  # HTML, every value in it escaped
    link: str
    date: datetime


class ClaimUpdatesFeed(Feed):
    """New evidence and verdict changes of one claim, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Claim:
        return queries.access_claim(slug)

    def title(self, obj: Claim) -> str:
        return _("TrainedOn: updates to “%(claim)s”") % {"claim": obj.statement}

    def link(self, obj: Claim) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Claim) -> list[Update]:
        url = obj.get_absolute_url()
        updates = [
            Update(
                guid=f"{url}#evidence-{item.pk}",
                title=_("New evidence (%(stance)s): %(kind)s")
                % {"stance": item.get_stance_display(), "kind": item.get_kind_display()},
                description=format_html(
                    "<p>{} ({})</p>", item.summary, item.source.display_publisher
                ),
                link=f"{url}#evidence-{item.pk}",
                date=item.published_at or item.created_at,
            )
            for item in public_evidence().filter(claim=obj).select_related("source")
        ]
        updates += [
            Update(
                guid=f"{url}#verdict-{change.pk}",
                title=_("Verdict: %(verdict)s") % {"verdict": change.get_new_verdict_display()},
                description=f"<p>{escape(change.note)}</p>" if change.note else "",
                link=f"{url}#verdict-history",
                date=change.changed_at,
            )
            for change in VerdictChange.objects.filter(claim=obj)
        ]
        return sorted(updates, key=lambda u: u.date, reverse=True)[:FEED_SIZE]

    def item_title(self, item: Update) -> str:
        return item.title

    def item_description(self, item: Update) -> str:
        return item.description

    def item_link(self, item: Update) -> str:
        return item.link

    def item_guid(self, item: Update) -> str:
        return item.guid

    def item_pubdate(self, item: Update) -> datetime:
        return item.date

    def item_updateddate(self, item: Update) -> datetime:
        return item.date
