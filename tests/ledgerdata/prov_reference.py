"""The lineage document as the app built it before it wrote PROV-JSON itself: with the ``prov``
package's object model (``ProvDocument``), the whole document in memory. Kept here, in the
tests only, as the reference the streamed document is compared with
(tests/ledgerdata/test_prov.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from prov.model import PROV, ProvAgent, ProvDocument

from app.accounts.models import User
from app.archive.models import WITH_FILES, Artifact, Capture
from app.catalog.access import public_claims, public_evidence
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence, VerdictChange

NAMESPACE = "tl"
ENGINE = "trainedon-archiver"
MEDIA_TYPE = "application/json"


def _local(text: str) -> str:
    """A local name PROV-N can write: letters, digits, ``.``, ``_`` and ``-`` only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "_"


def _ns() -> str:
    return f"{settings.SITE_URL}/"


def _t(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    """PROV attributes without empty values (an empty string or None says nothing)."""
    return {k: v for k, v in attributes.items() if v not in (None, "", [], {})}


class _Builder:
    def __init__(self) -> None:
        self.doc = ProvDocument()
        self.doc.add_namespace(NAMESPACE, _ns())
        self.doc.add_namespace("schema", "https://schema.org/")
        self._agents: dict[str, ProvAgent] = {}
        self.site = self._agent(
            "tl:trainedon", {"prov:type": PROV["Organization"], "prov:label": "TrainedOn"}
        )
        self.engine = self._software(ENGINE, "")

    def _agent(self, identifier: str, attributes: dict[str, Any]) -> ProvAgent:
        if identifier not in self._agents:
            self._agents[identifier] = self.doc.agent(identifier, _clean(attributes))
        return self._agents[identifier]

    def person(self, user: User | None) -> ProvAgent | None:
        if user is None:
            return None
        return self._agent(
            f"tl:people/{_local(user.username)}",
            {"prov:type": PROV["Person"], "prov:label": user.public_name},
        )

    def _software(self, tool: str, version: str) -> ProvAgent:
        key = f"tl:software/{_local(tool)}" + (f"/{_local(version)}" if version else "")
        new = key not in self._agents
        agent = self._agent(
            key,
            {
                "prov:type": PROV["SoftwareAgent"],
                "prov:label": f"{tool} {version}".strip(),
                "tl:tool": tool,
                "tl:version": version,
            },
        )
        if new:
            self.doc.actedOnBehalfOf(agent, self.site)
        return agent

    def tools(self, versions: dict[str, Any]) -> list[ProvAgent]:
        return [
            self._software(str(tool), str(version)) for tool, version in sorted(versions.items())
        ]


def _claim_id(claim: Claim) -> str:
    return f"tl:claims/{claim.slug}"


def _publisher(model: type[Claim] | type[Evidence], pk: int) -> tuple[User | None, datetime | None]:
    """Who moved the item to published, and when, from its change history."""
    row = (
        model.history.filter(id=pk, state=PublicationState.PUBLISHED)
        .order_by("history_date")
        .select_related("history_user")
        .first()
    )
    if row is None:
        return None, None
    return row.history_user, row.history_date


def claim_document(slug: str) -> ProvDocument:
    """The PROV document of a published claim; `Http404` for any other."""
    claim = public_claims().select_related("created_by").filter(slug=slug).first()
    if claim is None:
        raise Http404("No published claim has that address.")
    evidence = list(
        public_evidence()
        .filter(claim=claim)
        .select_related("source", "added_by")
        .order_by("created_at", "id")
    )
    sources = list({item.source_id: item.source for item in evidence}.values())
    captures = list(
        Capture.objects.filter(source__in=sources, status__in=WITH_FILES)
        .prefetch_related(Prefetch("artifacts", queryset=Artifact.objects.order_by("id")))
        .order_by("source_id", "created_at", "id")
    )
    changes = list(
        VerdictChange.objects.filter(claim=claim)
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )
    return build(claim, evidence, captures, changes)


def build(
    claim: Claim,
    evidence: list[Evidence],
    captures: Iterable[Capture],
    changes: list[VerdictChange],
) -> ProvDocument:
    b = _Builder()
    doc = b.doc
    claim_entity = doc.entity(
        _claim_id(claim),
        _clean(
            {
                "prov:type": "schema:Claim",
                "prov:label": claim.statement,
                "tl:verdict": claim.verdict,
                "tl:evidenceStrength": claim.evidence_strength,
                "tl:state": claim.state,
                "tl:url": settings.SITE_URL + claim.get_absolute_url(),
            }
        ),
    )
    created = doc.activity(f"tl:claims/{claim.slug}/created", claim.created_at, claim.created_at)
    doc.wasGeneratedBy(claim_entity, created, claim.created_at)
    author = b.person(claim.created_by)
    if author is not None:
        doc.wasAssociatedWith(created, author, other_attributes={"prov:role": "tl:editor"})
        doc.wasAttributedTo(claim_entity, author)
    publisher, published_at = _publisher(Claim, claim.pk)
    when = claim.published_at or published_at
    if when is not None:
        published = doc.activity(f"tl:claims/{claim.slug}/published", when, when)
        doc.used(published, claim_entity, when)
        agent = b.person(publisher)
        if agent is not None:
            doc.wasAssociatedWith(published, agent, other_attributes={"prov:role": "tl:moderator"})

    for item in evidence:
        _evidence(b, claim_entity, item)
    for source in {item.source_id: item.source for item in evidence}.values():
        doc.entity(
            f"tl:sources/{source.pk}",
            _clean(
                {
                    "prov:type": "schema:CreativeWork",
                    "prov:location": source.url,
                    "prov:label": source.title,
                    "tl:publisher": source.display_publisher,
                    "tl:onlineStatus": source.online_status,
                }
            ),
        )
    for capture in captures:
        _capture(b, capture)
    for change in changes:
        activity = doc.activity(
            f"tl:verdict-changes/{change.pk}",
            change.changed_at,
            change.changed_at,
            _clean(
                {
                    "prov:type": "tl:VerdictChange",
                    "tl:oldVerdict": change.old_verdict,
                    "tl:newVerdict": change.new_verdict,
                    "tl:note": change.note,
                }
            ),
        )
        doc.wasInfluencedBy(claim_entity, activity)
        agent = b.person(change.changed_by)
        if agent is not None:
            doc.wasAssociatedWith(activity, agent, other_attributes={"prov:role": "tl:moderator"})
        for item in evidence:
            if item.created_at <= change.changed_at:
                doc.used(activity, f"tl:evidence/{item.pk}")
    return doc


def _evidence(b: _Builder, claim_entity: Any, item: Evidence) -> None:
    doc = b.doc
    entity = doc.entity(
        f"tl:evidence/{item.pk}",
        _clean(
            {
                "prov:type": "tl:Evidence",
                "prov:label": item.summary,
                "tl:kind": item.kind,
                "tl:stance": item.stance,
                "tl:quote": item.quote,
                "tl:locator": item.locator,
            }
        ),
    )
    added = doc.activity(f"tl:evidence/{item.pk}/added", item.created_at, item.created_at)
    doc.wasGeneratedBy(entity, added, item.created_at)
    doc.wasDerivedFrom(
        entity, f"tl:sources/{item.source_id}", other_attributes={"prov:type": PROV["Quotation"]}
    )
    doc.wasInfluencedBy(claim_entity, entity, other_attributes={"tl:stance": item.stance})
    agent = b.person(item.added_by)
    if agent is not None:
        doc.wasAssociatedWith(added, agent, other_attributes={"prov:role": "tl:editor"})
        doc.wasAttributedTo(entity, agent)


def _capture(b: _Builder, capture: Capture) -> None:
    doc = b.doc
    activity = doc.activity(
        f"tl:captures/{capture.pk}",
        capture.started_at or capture.created_at,
        capture.finished_at,
        _clean(
            {
                "prov:type": "tl:Capture",
                "tl:status": capture.status,
                "tl:origin": capture.origin,
                "tl:requestedUrl": capture.requested_url,
                "tl:finalUrl": capture.final_url,
                "tl:httpStatus": capture.http_status,
                "tl:manifestSha256": capture.manifest_sha256,
            }
        ),
    )
    source = f"tl:sources/{capture.source_id}"
    doc.used(activity, source, capture.started_at)
    doc.wasAssociatedWith(activity, b.engine)
    for tool in b.tools(capture.tool_versions or {}):
        doc.wasAssociatedWith(activity, tool)
    for artifact in capture.artifacts.all():
        entity = doc.entity(
            f"tl:artifacts/{artifact.pk}",
            _clean(
                {
                    "prov:type": "tl:Artifact",
                    "prov:label": artifact.name,
                    "tl:kind": artifact.kind,
                    "tl:mediaType": artifact.media_type,
                    "tl:size": artifact.size,
                    "tl:sha256": artifact.sha256,
                    "tl:partial": artifact.partial,
                    "tl:how": artifact.how,
                    "prov:location": settings.SITE_URL
                    + reverse("archive:artifact", args=[artifact.pk, artifact.name]),
                }
            ),
        )
        doc.wasGeneratedBy(entity, activity, artifact.created_at)
        doc.wasDerivedFrom(entity, source, activity)
