"""A claim's lineage as a W3C PROV document (PROV-JSON), written record by record.

The chain, for what readers may see (the trust core's public querysets)::

    claim  <-wasInfluencedBy-  evidence item  -wasDerivedFrom->  source
    capture (activity) -used-> source;  artifact -wasGeneratedBy-> capture
    artifact -wasDerivedFrom(activity=capture)-> source

Agents: the people who created the claim, added each item and changed the
verdict (``prov:Person`` with a ``tl:role``), TrainedOn (``prov:Organization``),
the capture engine and each tool it ran, by version (``prov:SoftwareAgent``,
acting on behalf of TrainedOn). Times: creation, publication, each verdict
change, each capture's start and end, each file's generation. The mapping is
in docs/data.md.

The document is written here, not built with the ``prov`` package: ``prov`` holds
the whole document in memory (90 MB for a claim with 2,000 items), while this
writer reads each queryset with ``.iterator()`` once per PROV-JSON section
(``entity``, ``activity``, ``used``, ...) and yields text as it goes, so memory
stays flat however many items a claim has. It writes what ``prov`` wrote (the
same records, identifiers, attributes, value types and namespaces), which
``tests/ledgerdata/test_prov.py`` checks by reading both back with ``prov``'s own
reader; ``prov`` is a test dependency only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse

from app.archive.models import WITH_FILES, Artifact, Capture
from app.catalog.access import public_claims, public_evidence
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence, Source, VerdictChange

NAMESPACE = "tl"
ENGINE = "trainedon-archiver"
MEDIA_TYPE = "application/json"
CHUNK = 200  # rows fetched at a time from each queryset
FLUSH = 16 * 1024  # characters handed to the response at a time

# PROV-JSON's typed values (what prov's own writer gives a qualified name and an int).
QNAME = "xsd:QName"
INT32 = 2**31
INT64 = 2**63


def _local(text: str) -> str:
    """A local name PROV-N can write: letters, digits, ``.``, ``_`` and ``-`` only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "_"


def _ns() -> str:
    return f"{settings.SITE_URL}/"


def _time(value: datetime) -> str:
    """xsd:dateTime text: ISO 8601, an offset that is not whole minutes turned to UTC."""
    offset = value.utcoffset()
    if offset is not None and (offset.total_seconds() % 60 or offset.microseconds):
        value = value.astimezone(UTC)
    return value.isoformat()


def _prov(name: str) -> dict[str, str]:
    """A qualified name in the PROV namespace as an attribute value (``prov:Person``)."""
    return {"$": f"prov:{name}", "type": QNAME}


def _value(value: Any) -> Any:
    """An attribute value as PROV-JSON writes it: ints typed by magnitude, the rest as is."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    if -INT32 <= value < INT32:
        kind = "xsd:int"
    elif -INT64 <= value < INT64:
        kind = "xsd:long"
    else:
        kind = "xsd:integer"
    return {"$": str(value), "type": kind}


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    """PROV attributes without empty values (an empty string or None says nothing)."""
    return {k: _value(v) for k, v in attributes.items() if v not in (None, "", [], {})}


def _times(**values: datetime | None) -> dict[str, str]:
    """The formal time attributes that are set (``prov:startTime``, ``prov:time``...)."""
    return {f"prov:{k}": _time(v) for k, v in values.items() if v is not None}


def _object(value: Any, indent: str) -> str:
    """``value`` as ``json.dumps(value, indent=2)`` writes it at this depth, with the C
    encoder for each scalar: ``indent=2`` takes json's Python encoder, whose nested closures
    are reference cycles left for the garbage collector on every call, and they piled up
    with the records (a peak that grew with the claim)."""
    if not isinstance(value, dict):
        return json.dumps(value)
    if not value:
        return "{}"
    inner = indent + "  "
    parts = [inner + json.dumps(k) + ": " + _object(v, inner) for k, v in value.items()]
    return "{" + ",".join(parts) + indent + "}"


class _Writer:
    """PROV-JSON text, one section (``"entity": {...}``) after another, indented as
    ``json.dump(..., indent=2)`` would. A section with no record is left out."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._sections = 0
        self._records = 0
        self._blank = 0

    def _put(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    def flush(self, *, force: bool = False) -> Iterator[str]:
        if self._parts and (force or self._size >= FLUSH):
            yield "".join(self._parts)
            self._parts.clear()
            self._size = 0

    def section(self, name: str, records: Iterable[tuple[str | None, Any]]) -> Iterator[str]:
        """Write ``name``'s records (identifier, attributes); ``None`` for a relation's
        identifier gives it a blank node (``_:id<n>``), as prov's writer does."""
        self._records = 0
        for identifier, attributes in records:
            if identifier is None:
                self._blank += 1
                identifier = f"_:id{self._blank}"
            if self._records == 0:
                self._put(("{\n  " if self._sections == 0 else ",\n  ") + json.dumps(name) + ": {")
                self._sections += 1
            body = _object(attributes, "\n    ")
            self._put(
                ("\n    " if self._records == 0 else ",\n    ")
                + json.dumps(identifier)
                + ": "
                + body
            )
            self._records += 1
            yield from self.flush()
        if self._records:
            self._put("\n  }")

    def end(self) -> Iterator[str]:
        self._put("\n}" if self._sections else "{}")
        yield from self.flush(force=True)


class _Lineage:
    """What the document is written from: the claim and querysets of its evidence,
    captures (each with its artifacts) and verdict changes, read in passes."""

    def __init__(
        self,
        claim: Claim,
        evidence: QuerySet[Evidence],
        captures: QuerySet[Capture],
        changes: list[VerdictChange],
    ) -> None:
        self.claim = claim
        self.evidence = evidence.order_by("created_at", "id")
        self.captures = captures.order_by("source_id", "created_at", "id")
        self.changes = changes
        self.claim_id = f"tl:claims/{claim.slug}"
        self.agents: dict[str, dict[str, Any]] = {}
        self.people: dict[int, str] = {}  # user id -> agent identifier
        self.software: list[str] = []  # software agents, in the order first met

    # --- agents ---------------------------------------------------------------
    def _agent(self, identifier: str, attributes: dict[str, Any]) -> str:
        if identifier not in self.agents:
            self.agents[identifier] = _clean(attributes)
        return identifier

    def person(self, pk: int | None, username: str = "", public_name: str = "") -> str | None:
        if pk is None:
            return None
        if pk not in self.people:
            self.people[pk] = self._agent(
                f"tl:people/{_local(username)}",
                {"prov:type": _prov("Person"), "prov:label": public_name},
            )
        return self.people[pk]

    def _software_id(self, tool: str, version: str) -> str:
        return f"tl:software/{_local(tool)}" + (f"/{_local(version)}" if version else "")

    def _software(self, tool: str, version: str) -> None:
        key = self._software_id(tool, version)
        if key not in self.agents:
            self.software.append(key)
            self._agent(
                key,
                {
                    "prov:type": _prov("SoftwareAgent"),
                    "prov:label": f"{tool} {version}".strip(),
                    "tl:tool": tool,
                    "tl:version": version,
                },
            )

    def tools(self, versions: dict[str, Any] | None) -> list[str]:
        pairs = sorted((versions or {}).items())
        return [self._software_id(str(tool), str(version)) for tool, version in pairs]

    def collect_agents(self) -> None:
        """Every agent, before any record is written (the ``agent`` section comes first):
        a handful of people and tools, however many items the claim has."""
        self.site = self._agent(
            "tl:trainedon", {"prov:type": _prov("Organization"), "prov:label": "TrainedOn"}
        )
        self._software(ENGINE, "")
        self.engine = self._software_id(ENGINE, "")
        claim = self.claim
        self.author: str | None = None
        self.publisher: str | None = None
        author = claim.created_by
        if author is not None:
            self.author = self.person(author.pk, author.username, author.public_name)
        publisher, published_at = _publisher(Claim, claim.pk)
        self.published_at = claim.published_at or published_at
        if publisher is not None:
            self.publisher = self.person(publisher.pk, publisher.username, publisher.public_name)
        added = self.evidence.filter(added_by__isnull=False).values_list(
            "added_by_id", "added_by__username", "added_by__display_name"
        )
        for pk, username, display_name in added.iterator(chunk_size=CHUNK):
            if pk not in self.people:
                self.person(pk, username, display_name or username)
        for versions in self.captures.values_list("tool_versions", flat=True).iterator(
            chunk_size=CHUNK
        ):
            for tool, version in sorted((versions or {}).items()):
                self._software(str(tool), str(version))
        for change in self.changes:
            user = change.changed_by
            if user is not None:
                self.person(user.pk, user.username, user.public_name)

    # --- the passes, one per section -----------------------------------------
    def _items(self, *fields: str) -> Iterator[tuple[Any, ...]]:
        return self.evidence.values_list(*fields).iterator(chunk_size=CHUNK)

    def _captures(self) -> Iterator[Capture]:
        return self.captures.iterator(chunk_size=CHUNK)

    def _artifacts(self) -> Iterator[Any]:
        rows = (
            Artifact.objects.filter(capture__in=self.captures.order_by())
            .annotate(source_pk=F("capture__source_id"))
            .order_by("capture__source_id", "capture__created_at", "capture_id", "id")
        )
        return rows.iterator(chunk_size=CHUNK)

    def agent_records(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        yield from self.agents.items()

    def delegations(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        for key in self.software:
            yield None, {"prov:delegate": key, "prov:responsible": self.site}

    def entities(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        claim = self.claim
        yield (
            self.claim_id,
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
        for pk, summary, kind, stance, quote, locator in self._items(
            "pk", "summary", "kind", "stance", "quote", "locator"
        ):
            yield (
                f"tl:evidence/{pk}",
                _clean(
                    {
                        "prov:type": "tl:Evidence",
                        "prov:label": summary,
                        "tl:kind": kind,
                        "tl:stance": stance,
                        "tl:quote": quote,
                        "tl:locator": locator,
                    }
                ),
            )
        sources = Source.objects.filter(pk__in=self.evidence.order_by().values("source_id"))
        for source in sources.order_by("pk").iterator(chunk_size=CHUNK):
            yield (
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
        for artifact in self._artifacts():
            yield (
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

    def activities(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        claim = self.claim
        yield (
            f"{self.claim_id}/created",
            _times(startTime=claim.created_at, endTime=claim.created_at),
        )
        if self.published_at is not None:
            when = self.published_at
            yield f"{self.claim_id}/published", _times(startTime=when, endTime=when)
        for pk, created_at in self._items("pk", "created_at"):
            yield f"tl:evidence/{pk}/added", _times(startTime=created_at, endTime=created_at)
        for capture in self._captures():
            yield (
                f"tl:captures/{capture.pk}",
                {
                    **_times(
                        startTime=capture.started_at or capture.created_at,
                        endTime=capture.finished_at,
                    ),
                    **_clean(
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
                },
            )
        for change in self.changes:
            yield (
                f"tl:verdict-changes/{change.pk}",
                {
                    **_times(startTime=change.changed_at, endTime=change.changed_at),
                    **_clean(
                        {
                            "prov:type": "tl:VerdictChange",
                            "tl:oldVerdict": change.old_verdict,
                            "tl:newVerdict": change.new_verdict,
                            "tl:note": change.note,
                        }
                    ),
                },
            )

    def generations(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        claim = self.claim
        yield (
            None,
            {
                "prov:entity": self.claim_id,
                "prov:activity": f"{self.claim_id}/created",
                **_times(time=claim.created_at),
            },
        )
        for pk, created_at in self._items("pk", "created_at"):
            yield (
                None,
                {
                    "prov:entity": f"tl:evidence/{pk}",
                    "prov:activity": f"tl:evidence/{pk}/added",
                    **_times(time=created_at),
                },
            )
        for artifact in self._artifacts():
            yield (
                None,
                {
                    "prov:entity": f"tl:artifacts/{artifact.pk}",
                    "prov:activity": f"tl:captures/{artifact.capture_id}",
                    **_times(time=artifact.created_at),
                },
            )

    def usages(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        if self.published_at is not None:
            yield (
                None,
                {
                    "prov:activity": f"{self.claim_id}/published",
                    "prov:entity": self.claim_id,
                    **_times(time=self.published_at),
                },
            )
        for capture in self._captures():
            yield (
                None,
                {
                    "prov:activity": f"tl:captures/{capture.pk}",
                    "prov:entity": f"tl:sources/{capture.source_id}",
                    **_times(time=capture.started_at),
                },
            )
        # A verdict change used every item added by its time.
        if self.changes:
            for pk, created_at in self._items("pk", "created_at"):
                for change in self.changes:
                    if created_at <= change.changed_at:
                        yield (
                            None,
                            {
                                "prov:activity": f"tl:verdict-changes/{change.pk}",
                                "prov:entity": f"tl:evidence/{pk}",
                            },
                        )

    def derivations(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        for pk, source_id in self._items("pk", "source_id"):
            yield (
                None,
                {
                    "prov:generatedEntity": f"tl:evidence/{pk}",
                    "prov:usedEntity": f"tl:sources/{source_id}",
                    "prov:type": _prov("Quotation"),
                },
            )
        for artifact in self._artifacts():
            yield (
                None,
                {
                    "prov:generatedEntity": f"tl:artifacts/{artifact.pk}",
                    "prov:usedEntity": f"tl:sources/{artifact.source_pk}",
                    "prov:activity": f"tl:captures/{artifact.capture_id}",
                },
            )

    def influences(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        for pk, stance in self._items("pk", "stance"):
            yield (
                None,
                {
                    "prov:influencee": self.claim_id,
                    "prov:influencer": f"tl:evidence/{pk}",
                    "tl:stance": stance,
                },
            )
        for change in self.changes:
            yield (
                None,
                {
                    "prov:influencee": self.claim_id,
                    "prov:influencer": f"tl:verdict-changes/{change.pk}",
                },
            )

    def _role(
        self, activity: str, agent: str | None, role: str
    ) -> Iterator[tuple[None, dict[str, Any]]]:
        if agent is not None:
            yield None, {"prov:activity": activity, "prov:agent": agent, "prov:role": role}

    def associations(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        yield from self._role(f"{self.claim_id}/created", self.author, "tl:editor")
        if self.published_at is not None:
            yield from self._role(f"{self.claim_id}/published", self.publisher, "tl:moderator")
        for pk, added_by in self._items("pk", "added_by_id"):
            agent = self.people.get(added_by) if added_by is not None else None
            yield from self._role(f"tl:evidence/{pk}/added", agent, "tl:editor")
        for capture in self._captures():
            activity = f"tl:captures/{capture.pk}"
            yield None, {"prov:activity": activity, "prov:agent": self.engine}
            for tool in self.tools(capture.tool_versions):
                yield None, {"prov:activity": activity, "prov:agent": tool}
        for change in self.changes:
            agent = self.people.get(change.changed_by_id) if change.changed_by_id else None
            yield from self._role(f"tl:verdict-changes/{change.pk}", agent, "tl:moderator")

    def attributions(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        if self.author is not None:
            yield None, {"prov:entity": self.claim_id, "prov:agent": self.author}
        for pk, added_by in self._items("pk", "added_by_id"):
            if added_by is not None:
                yield (
                    None,
                    {"prov:entity": f"tl:evidence/{pk}", "prov:agent": self.people[added_by]},
                )

    def write(self) -> Iterator[str]:
        self.collect_agents()
        out = _Writer()
        yield from out.section("prefix", [(NAMESPACE, _ns()), ("schema", "https://schema.org/")])
        for name, records in (
            ("agent", self.agent_records()),
            ("actedOnBehalfOf", self.delegations()),
            ("entity", self.entities()),
            ("activity", self.activities()),
            ("wasGeneratedBy", self.generations()),
            ("used", self.usages()),
            ("wasDerivedFrom", self.derivations()),
            ("wasInfluencedBy", self.influences()),
            ("wasAssociatedWith", self.associations()),
            ("wasAttributedTo", self.attributions()),
        ):
            yield from out.section(name, records)
        yield from out.end()


def _publisher(model: type[Claim] | type[Evidence], pk: int) -> tuple[Any, datetime | None]:
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


def _changes(claim: Claim) -> list[VerdictChange]:
    """The claim's verdict changes (its moderation history: a few, whatever its size)."""
    return list(
        VerdictChange.objects.filter(claim=claim)
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )


def claim_lineage(slug: str) -> Iterator[str]:
    """The PROV-JSON text of a published claim, in pieces; `Http404` (raised here, before
    any text) for any other claim."""
    claim = public_claims().select_related("created_by").filter(slug=slug).first()
    if claim is None:
        raise Http404("No published claim has that address.")
    evidence = public_evidence().filter(claim=claim)
    captures = Capture.objects.filter(
        source__in=evidence.order_by().values("source_id"), status__in=WITH_FILES
    )
    return _Lineage(claim, evidence, captures, _changes(claim)).write()


def claim_prov_json(slug: str) -> str:
    return "".join(claim_lineage(slug))


PACKAGE_MEMBER = "provenance.json"


def package_member(plan: Any) -> list[tuple[str, Callable[[], Iterable[str | bytes]]]]:
    """The evidence package's ``provenance.json``: the lineage of exactly what the package holds
    (an `app.archive.package.PackagePlan`), as pieces of text written into the ZIP as they
    come (`app.archive.package.EXTRA_STREAMS`): the document is never whole in memory."""
    claim = plan.claim
    from app.public.queries import id_set  # one array parameter on PostgreSQL

    # Each of the document's passes runs these: thousands of ids as as many parameters
    # took PostgreSQL's run a peak that grew with the claim.
    evidence = Evidence.objects.filter(pk__in=id_set([e.pk for e in plan.evidence]))
    captures = Capture.objects.filter(pk__in=id_set([c.pk for c in plan.captures]))

    def pieces() -> Iterable[str | bytes]:
        return _Lineage(claim, evidence, captures, _changes(claim)).write()

    return [(PACKAGE_MEMBER, pieces)]
