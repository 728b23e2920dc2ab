""" "Is my work in it?": from a title, author, ISBN, YouTube address or web address
to the datasets that hold it and the models said to have used them.

The reader's text is read as one kind of key (`parse`), normalized like the
index rows were (`app.lib.keys`), matched exactly through the key, channel or
host btree indexes, or closely (titles and names) through the trigram indexes
on PostgreSQL. Each dataset found is then walked forward with `paths_from`
(published relations only) and every link is shown with its claim, verdict,
strength and evidence count. Nothing here records or caches the question.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from app.catalog.choices import EntityKind
from app.catalog.models import Claim, Entity
from app.graph.models import (
    DatasetMember,
    DatasetVersion,
    ImportStatus,
    MemberKind,
    Relation,
    RelationKind,
)
from app.graph.paths import Path, paths_from
from app.graph.visibility import public_claims, public_evidence
from app.lib.keys import (
    isbn13,
    site_of,
    site_of_key,
    twitch_channel,
    url_key,
    youtube_channel,
    youtube_video_id,
)
from app.lib.prepared import PreparedQuery, ids_text, in_ids

MAX_MATCHES = 50
MAX_QUERY = 300
SIMILARITY = 0.3  # pg_trgm's default threshold for ``%``

KIND_LABELS = {
    "isbn": _("ISBN"),
    "video": _("YouTube video"),
    "channel": _("YouTube channel"),
    "twitch": _("Twitch channel"),
    "url": _("web page"),
    "site": _("web site"),
    "title": _("title"),
    "author": _("author or creator"),
    "text": _("title or author"),
}
BY_CHOICES = ("", "title", "author")


class LookupError(ValueError):
    """Text that cannot be looked up, with the reason shown to the reader."""


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    value: str

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def is_exact_key(self) -> bool:
        return self.kind in {"isbn", "video", "channel", "twitch", "url", "site"}


def _looks_like_video_id(text: str) -> bool:
    return (
        youtube_video_id(text) == text
        and not text.isalpha()
        and any(ch.isdigit() or ch in "-_" for ch in text)
    )


def parse(text: str, by: str = "") -> Query:
    """What the reader typed, as one kind of key; raises `LookupError`."""
    text = " ".join(text.split())
    if not text:
        raise LookupError(_("Type a title, an author, an ISBN or an address."))
    if len(text) > MAX_QUERY:
        raise LookupError(_("That is too long to look up (300 characters at most)."))
    if "\x00" in text:
        raise LookupError(_("That text contains a character that cannot be looked up."))
    if by not in BY_CHOICES:
        raise LookupError(_("Search by title, author, or leave the choice empty."))
    if by:
        return Query(text, by, text)
    if (isbn := isbn13(text)) is not None:
        return Query(text, "isbn", isbn)
    lowered = text.lower()
    if "youtu" in lowered or _looks_like_video_id(text) or text.startswith(("UC", "@")):
        if (video := youtube_video_id(text)) is not None:
            return Query(text, "video", video)
        if (channel := youtube_channel(text)) is not None:
            return Query(text, "channel", channel)
    if "twitch" in lowered and (channel := twitch_channel(text, whole=True)) is not None:
        return Query(text, "twitch", channel)
    if " " not in text and (key := url_key(text)) is not None:
        path = key.split("/", 3)[3] if key.count("/") >= 3 else ""
        if not path:
            return Query(text, "site", site_of(key) or "")
        return Query(text, "url", key)
    return Query(text, "text", text)


@dataclass
class Match:
    kind: str
    key: str
    title: str
    author: str
    channel_id: str
    host: str
    caption: str
    version_number: int
    version_label: str
    exact: bool
    similarity: float
    dataset_id: int
    version: VersionInfo | None = None  # read with the row (exact keys), else queried

    @property
    def kind_label(self) -> str:
        return str(MemberKind(self.kind).label)


@dataclass
class Link:
    relation: Relation
    claim: Claim
    evidence_count: int

    @property
    def label(self) -> str:
        return str(RelationKind(self.relation.kind).label)


@dataclass
class ModelPath:
    model: Entity
    entities: list[Entity]
    links: list[Link]
    weakest_verdict: str
    weakest_strength: str
    alleged: bool


@dataclass
class VersionInfo:
    number: int
    label: str
    imported_at: datetime | None
    row_count: int
    file_sha256: str
    source_url: str


@dataclass
class DatasetAnswer:
    dataset: Entity
    matches: list[Match] = field(default_factory=list)
    versions: list[VersionInfo] = field(default_factory=list)
    memberships: list[Link] = field(default_factory=list)
    paths: list[ModelPath] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return any(m.exact for m in self.matches) or bool(self.memberships)


@dataclass
class Answer:
    query: Query | None
    datasets: list[DatasetAnswer]

    @property
    def models(self) -> list[Entity]:
        seen: dict[int, Entity] = {}
        for answer in self.datasets:
            for path in answer.paths:
                seen.setdefault(path.model.pk, path.model)
        return list(seen.values())


# --- Matching ----------------------------------------------------------------

_MEMBER_FIELDS = ("kind", "key", "title", "author", "channel_id", "host", "caption")


def _done_members() -> Any:
    # Imported versions are few: a literal list keeps the planner from nesting the
    # member index scan inside a loop over versions (seen on 2M rows: 12 scans, 48 s).
    done = list(
        DatasetVersion.objects.filter(status=ImportStatus.DONE).values_list("id", flat=True)
    )
    return DatasetMember.objects.filter(version_id__in=done).values_list(
        *_MEMBER_FIELDS, "version__number", "version__label", "version__dataset_id"
    )


def _match(row: tuple[Any, ...], exact: bool, similarity: float) -> Match:
    kind, key, title, author, channel, host, caption, number, label, dataset_id = row
    return Match(kind, key, title, author, channel, host, caption, number, label, exact,
                 round(similarity, 2), dataset_id)  # fmt: skip


def _exact_query(column: str) -> PreparedQuery:
    # One query: an equality probes each partition's btree (app.graph.members), so the
    # done versions are a join here, not the literal list the trigram scans need.
    # Compiled once per connection (half the CPU of a lookup that finds nothing).
    def build(value: str) -> Any:
        return (
            DatasetMember.objects.filter(version__status=ImportStatus.DONE, **{column: value})
            .values_list(
                *_MEMBER_FIELDS,
                "version__number",
                "version__label",
                "version__dataset_id",
                *_VERSION_FIELDS,
            )
            .order_by()[:MAX_MATCHES]
        )

    return PreparedQuery(build, "")


# What the answer shows of a version, read with an exact match's row (no query of its own).
_VERSION_FIELDS = (
    "version__imported_at", "version__row_count", "version__file_sha256", "version__source__url"
)  # fmt: skip


_EXACT_COLUMN = {
    "isbn": "key",
    "video": "key",
    "url": "key",
    "channel": "channel_id",
    "twitch": "channel_id",
    "site": "host",
}
_EXACT = {column: _exact_query(column) for column in set(_EXACT_COLUMN.values())}


def _exact_matches(query: Query) -> list[Match]:
    if not query.value:  # never the rows without a channel or host
        return []
    rows = _EXACT[_EXACT_COLUMN[query.kind]](query.value)
    matches = []
    for row in rows:
        match = _match(row[:10], True, 1.0)
        imported_at, row_count, sha, url = row[10:]
        match.version = VersionInfo(
            match.version_number, match.version_label, imported_at, row_count, sha, url or ""
        )
        matches.append(match)
    return matches


def _unique(matches: Iterable[Match]) -> list[Match]:
    """The matches without repeats (a row found both by name and by website), in order;
    a row found closely and exactly counts as exact."""
    seen: dict[tuple[Any, ...], Match] = {}
    for m in matches:
        key = (m.dataset_id, m.version_number, m.kind, m.key, m.title, m.author, m.channel_id,
               m.host, m.caption)  # fmt: skip
        if key not in seen or (m.exact, m.similarity) > (seen[key].exact, seen[key].similarity):
            seen[key] = m
    return list(seen.values())


def _text_matches(query: Query) -> list[Match]:
    columns = ["title", "author"] if query.kind == "text" else [query.kind]
    found: dict[tuple[Any, ...], Match] = {}
    for column in columns:
        for row, match in _scored(column, query.value):
            found.setdefault((match.dataset_id, match.version_number, match.key, row[2]), match)
    ordered = sorted(found.values(), key=lambda m: (not m.exact, -m.similarity))
    return ordered[:MAX_MATCHES]


_SIMILAR_FIELDS = (*_MEMBER_FIELDS, "version__number", "version__label", "version__dataset_id")
# Close (trigram) matching is for what people type as names: books' titles, and authors,
# creators and channel names of every kind (migration 0006). Other titles (videos,
# pages, images) match as a whole, case, spaces and punctuation folded by the database's
# `graph_title_fold`, through a btree on its 64-bit hash; the fold is compared again.
_TRIGRAM_KINDS = {"title": (MemberKind.BOOK,), "author": None}
_WHOLE_TITLE = (
    "hashtextextended(graph_title_fold(graph_datasetmember.title), 0) = "
    "hashtextextended(graph_title_fold(%s), 0) "
    "AND graph_title_fold(graph_datasetmember.title) = graph_title_fold(%s) "
    "AND graph_title_fold(%s) <> ''"
)


def _scored(column: str, text: str) -> Iterator[tuple[tuple[Any, ...], Match]]:
    """`_similar`'s rows as matches: exact when matched as a whole or equal to ``text``
    but for case, else close with their similarity."""
    folded = text.casefold()
    index = _MEMBER_FIELDS.index(column)
    for row, similarity, whole in _similar(column, text):
        exact = whole or row[index].casefold() == folded
        yield row, _match(row, exact, 1.0 if exact else similarity)


def _similar(column: str, text: str) -> list[tuple[tuple[Any, ...], float, bool]]:
    """Rows whose ``column`` is like ``text``: (row, similarity, matched as a whole)."""
    members = _done_members().exclude(**{column: ""})
    if connection.vendor == "postgresql":
        # pg_trgm's ``%`` (similarity above pg_trgm.similarity_threshold) uses the
        # partial GIN index of migration 0006; column names are fixed, text is a parameter.
        qualified = f"graph_datasetmember.{column}"
        close = members
        if (kinds := _TRIGRAM_KINDS[column]) is not None:
            close = members.filter(kind__in=kinds)
        rows = (
            close.extra(where=[f"{qualified} %% %s"], params=[text])  # noqa: S610
            .annotate(similarity=RawSQL(f"similarity({qualified}, %s)", (text,)))  # noqa: S611
            .order_by("-similarity")
            .values_list(*_SIMILAR_FIELDS, "similarity")[:MAX_MATCHES]
        )
        out = [(tuple(r[:-1]), float(r[-1]), False) for r in rows]
        if kinds is not None:
            whole = (
                members.exclude(kind__in=kinds)
                .extra(where=[_WHOLE_TITLE], params=[text, text, text])  # noqa: S610
                .values_list(*_SIMILAR_FIELDS)
                .order_by()[:MAX_MATCHES]
            )
            out += [(tuple(r), 1.0, True) for r in whole]
        return out
    # SQLite: a bounded substring scan, scored in Python (docs/graph.md: how far it goes).
    rows = members.filter(**{f"{column}__icontains": text})[:MAX_MATCHES]
    folded = text.casefold()
    scored = []
    for row in rows:
        value = row[_MEMBER_FIELDS.index(column)].casefold()
        scored.append((tuple(row), SequenceMatcher(None, folded, value).ratio(), False))
    return scored


# --- Models reached ----------------------------------------------------------


# The hit path's queries, compiled once per connection (`PreparedQuery`): compiling
# them was about 40 % of a lookup's CPU. Lists of ids are one parameter (`in_ids`).
# The public rule is the catalog's own (`public_claims`, `public_evidence`), compiled in.
_RELATION_FIELDS = [f.attname for f in Relation._meta.concrete_fields]
_CLAIM_FIELDS = [f.attname for f in Claim._meta.concrete_fields]
_ENTITY_FIELDS = [f.attname for f in Entity._meta.concrete_fields]


def _links_query(ids: str) -> Any:
    evidence = (
        public_evidence()
        .filter(claim_id=OuterRef("claim_id"))
        .order_by()
        .values("claim_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Relation.objects.filter(claim__in=public_claims())
        .extra(where=[in_ids(f"{Relation._meta.db_table}.id")], params=[ids])  # noqa: S610
        .annotate(evidence_count=Subquery(evidence))
        .order_by()
        .values_list(
            *_RELATION_FIELDS,
            *(f"claim__{n}" for n in _CLAIM_FIELDS),
            *(f"upstream__{n}" for n in _ENTITY_FIELDS),
            *(f"downstream__{n}" for n in _ENTITY_FIELDS),
            "evidence_count",
        )
    )


_LINKS = PreparedQuery(_links_query, "")
_ENTITIES = PreparedQuery(
    lambda ids: (
        Entity.objects.extra(  # noqa: S610
            where=[in_ids(f"{Entity._meta.db_table}.id")], params=[ids]
        )
        .order_by()
        .values_list(*_ENTITY_FIELDS)
    ),
    "",
)
_VERSIONS = PreparedQuery(
    lambda ids: (
        DatasetVersion.objects.filter(status=ImportStatus.DONE)
        .extra(where=[in_ids(f"{DatasetVersion._meta.db_table}.dataset_id")], params=[ids])  # noqa: S610
        .order_by("-number")
        .values_list(
            "dataset_id",
            "number",
            "label",
            "imported_at",
            "row_count",
            "file_sha256",
            "source__url",
        )
    ),
    "",
)


def _links(relation_ids: Iterable[int], entities: dict[int, Entity]) -> dict[int, Link]:
    """The public relations among ``relation_ids``, with their claims, public evidence
    counts and their two ends (added to ``entities``): one query."""
    ids = set(relation_ids)
    if not ids:
        return {}
    cuts = [len(_RELATION_FIELDS), len(_CLAIM_FIELDS), len(_ENTITY_FIELDS), len(_ENTITY_FIELDS)]
    out: dict[int, Link] = {}
    for row in _LINKS(ids_text(ids)):
        start = 0
        parts = []
        for size in cuts:
            parts.append(row[start : start + size])
            start += size
        relation = Relation.from_db("default", _RELATION_FIELDS, parts[0])
        claim = Claim.from_db("default", _CLAIM_FIELDS, parts[1])
        ends = []
        for values in parts[2:]:
            entity = entities.get(values[0])
            if entity is None:
                entity = entities[values[0]] = Entity.from_db("default", _ENTITY_FIELDS, values)
            ends.append(entity)
        relation.claim = claim
        relation.upstream, relation.downstream = ends
        out[relation.pk] = Link(relation, claim, row[-1] or 0)
    return out


def _entities(ids: set[int], entities: dict[int, Entity]) -> dict[int, Entity]:
    """``entities`` and those of ``ids`` it lacks (one query, none when it has them all)."""
    missing = ids - entities.keys()
    if missing:
        for row in _ENTITIES(ids_text(missing)):
            entities[row[0]] = Entity.from_db("default", _ENTITY_FIELDS, row)
    return entities


def _model_paths(
    paths: list[Path], links: dict[int, Link], entities: dict[int, Entity]
) -> list[ModelPath]:
    return [
        ModelPath(
            model=entities[p.end_id],
            entities=[entities[i] for i in p.entity_ids],
            links=[links[i] for i in p.relation_ids],
            weakest_verdict=p.weakest_verdict,
            weakest_strength=p.weakest_strength,
            alleged=p.alleged,
        )
        for p in paths
        if all(i in links for i in p.relation_ids)
    ]


def _versions(matches: list[Match]) -> dict[int, list[VersionInfo]]:
    """The done versions holding matches, per dataset, newest first: read with the
    matches' rows (exact keys), or one query."""
    out: dict[int, list[VersionInfo]] = {}
    if all(m.version is not None for m in matches):
        known = {(m.dataset_id, m.version_number): m.version for m in matches}
        for (dataset_id, _number), version in sorted(known.items(), key=lambda kv: -kv[0][1]):
            out.setdefault(dataset_id, []).append(version)  # type: ignore[arg-type]
        return out
    numbers: dict[int, set[int]] = {}
    for m in matches:
        numbers.setdefault(m.dataset_id, set()).add(m.version_number)
    for dataset_id, number, label, imported_at, rows, sha, url in _VERSIONS(ids_text(numbers)):
        if number in numbers.get(dataset_id, ()):
            out.setdefault(dataset_id, []).append(
                VersionInfo(number, label, imported_at, rows, sha, url or "")
            )
    return out


def answer_for(matches: list[Match], start_entities: list[int]) -> list[DatasetAnswer]:
    """Datasets holding the matches (or reached from the start entities), with their models."""
    dataset_ids = {m.dataset_id for m in matches}
    from_entities = paths_from(start_entities, end_kind=EntityKind.DATASET, max_depth=1)
    dataset_ids |= {p.end_id for p in from_entities}
    forward = paths_from(dataset_ids)
    # Every entity shown: the ends of the links (read with them), then the datasets and
    # each path's entities that are not among them.
    entities: dict[int, Entity] = {}
    links = _links(
        [i for p in forward for i in p.relation_ids]
        + [i for p in from_entities for i in p.relation_ids],
        entities,
    )
    entity_ids = set(dataset_ids)
    for p in (*forward, *from_entities):
        entity_ids.update(p.entity_ids)
    _entities(entity_ids, entities)
    versions = _versions(matches)
    answers: dict[int, DatasetAnswer] = {
        pk: DatasetAnswer(entities[pk], versions=versions.get(pk, [])) for pk in dataset_ids
    }
    for m in matches:
        answers[m.dataset_id].matches.append(m)
    for p in from_entities:
        answers[p.end_id].memberships.extend(links[i] for i in p.relation_ids if i in links)
    by_start: dict[int, list[Path]] = {}
    for p in forward:
        by_start.setdefault(p.start_id, []).append(p)
    for pk, answer in answers.items():
        answer.paths = _model_paths(by_start.get(pk, []), links, entities)
    return sorted(answers.values(), key=lambda a: (not a.exact, not a.paths, a.dataset.name))


# --- Entities ----------------------------------------------------------------
# One rule says which index rows are a work's or creator's (`entity_matches`): its
# page shows them, and a lookup of its name or of its website address finds the
# entity (`_entities_for`) and shows them too, so both give the same answer.

MAX_ENTITIES = 50
_ENTITY_KINDS = {
    "text": (EntityKind.WORK, EntityKind.CREATOR),
    "title": (EntityKind.WORK,),
    "author": (EntityKind.CREATOR,),
}
_WEB_KINDS = frozenset({"channel", "twitch", "site", "url"})


def _entities_where(where: str) -> PreparedQuery:
    table = Entity._meta.db_table

    def build(value: str) -> Any:
        return (
            Entity.objects.filter(kind__in=[EntityKind.WORK, EntityKind.CREATOR])
            .extra(where=[where.format(table=table)], params=[value])  # noqa: S610
            .values_list("pk", "kind", "name", "website")
            .order_by("pk")[:MAX_ENTITIES]
        )

    return PreparedQuery(build, "")


# Upper-cased on both sides (SQLite: ASCII letters only); the names are compared again below.
_ENTITIES_NAMED = _entities_where("UPPER({table}.name) = UPPER(%s)")
_ENTITIES_AT = _entities_where("UPPER({table}.website) LIKE UPPER(%s)")


def website_query(website: str) -> Query | None:
    """What an entity's website matches index rows by: its YouTube or Twitch channel, or
    its site (an address with a path counts as its site, or as its Twitch channel)."""
    try:
        query = parse(website)
    except LookupError:
        return None
    if query.kind == "url":
        if (channel := twitch_channel(query.value)) is not None:
            return Query(query.text, "twitch", channel)
        return Query(query.text, "site", site_of_key(query.value) or "")
    return query if query.kind in ("channel", "twitch", "site") else None


def _names_website(website: str, query: Query) -> bool:
    """Whether an entity's website is the address asked about (as typed, or its rows' key)."""
    wanted = (query.kind, query.value)
    try:
        typed = parse(website)
    except LookupError:
        return False
    rows = website_query(website)
    return (typed.kind, typed.value) == wanted or (
        rows is not None and (rows.kind, rows.value) == wanted
    )


def _website_needle(query: Query) -> str:
    """A part of the address every website naming it contains (a LIKE pattern's core)."""
    if query.kind == "site":
        needle = query.value
    elif query.kind == "url":
        path = query.value.split("/", 3)[3] if query.value.count("/") >= 3 else ""
        segments = [s for s in path.split("?")[0].split("/") if s]
        needle = segments[-1] if segments else site_of_key(query.value) or ""
    else:  # a channel: UC..., @handle, c/name, user/name, twitch.tv/name
        needle = query.value.rsplit("/", 1)[-1].lstrip("@")
    return needle.replace("\\", "").replace("%", "")


def _entities_for(query: Query) -> list[tuple[int, str, str, str]]:
    """The works and creators a question names: by their name (a title or author
    typed), or by their website (a channel, site or page address)."""
    if query.kind in _ENTITY_KINDS:
        folded = query.value.casefold()
        kinds = _ENTITY_KINDS[query.kind]
        rows = _ENTITIES_NAMED(query.value)
        return [r for r in rows if r[1] in kinds and r[2].casefold() == folded]
    if query.kind in _WEB_KINDS and (needle := _website_needle(query)):
        rows = _ENTITIES_AT(f"%{needle}%")
        return [r for r in rows if _names_website(r[3], query)]
    return []


def _named(column: str, name: str) -> list[Match]:
    """The rows whose ``column`` is ``name`` itself: what the lookup labels exact for a
    typed title or author (`_scored`). On PostgreSQL through the same indexed matching
    (`_similar`: trigrams for books' titles and for names, the folded-title hash for
    other titles), never a case-insensitive scan of every partition."""
    if connection.vendor != "postgresql":
        rows = _done_members().filter(**{f"{column}__iexact": name})[:MAX_MATCHES]
        return [_match(row, True, 1.0) for row in rows]
    return [match for _row, match in _scored(column, name) if match.exact]


def entity_matches(kind: str, name: str, website: str, *, by_name: bool = True) -> list[Match]:
    """The index rows that are a work's or creator's: its exact name (case-insensitive;
    titles for a work, authors for a creator) and its website's channel or site
    (`website_query`). The one rule for its page and for a lookup that names it
    (``by_name=False`` when the lookup's own title/author matches hold the name's rows)."""
    matches: list[Match] = []
    if by_name and kind in (EntityKind.WORK, EntityKind.CREATOR):
        column = "title" if kind == EntityKind.WORK else "author"
        matches = _named(column, name)
    if website and (query := website_query(website)) is not None:
        matches += _exact_matches(query)
    return _unique(matches)


def lookup(text: str, by: str = "") -> Answer:
    """The whole answer to one question; raises `LookupError` for unusable text.

    A work or creator the question names (`_entities_for`) adds its own answer, the
    one its page shows (`entity_answer`)."""
    query = parse(text, by)
    matches = _exact_matches(query) if query.is_exact_key else _text_matches(query)
    entities = _entities_for(query)
    if entities:
        # A name typed: `_text_matches` found its exact rows already (similarity 1).
        by_name = query.kind not in _ENTITY_KINDS
        for _pk, kind, name, website in entities:
            matches += entity_matches(kind, name, website, by_name=by_name)
        matches = sorted(_unique(matches), key=lambda m: (not m.exact, -m.similarity))
    return Answer(query, answer_for(matches, [row[0] for row in entities]))


def entity_answer(entity: Entity) -> Answer:
    """The lookup answer for a work or creator page: its own relations and index rows
    (`entity_matches`)."""
    matches = entity_matches(entity.kind, entity.name, entity.website)
    return Answer(None, answer_for(matches, [entity.pk]))


def answer_json(answer: Answer) -> dict[str, Any]:
    """The API's shape of an answer (the member rows matched, never a whole index)."""

    def link(item: Link) -> dict[str, Any]:
        r = item.relation
        return {
            "kind": r.kind,
            "from": r.upstream_id,
            "to": r.downstream_id,
            "stage": r.stage or None,
            "attribution": r.attribution or None,
            "claim": {
                "slug": item.claim.slug,
                "statement": item.claim.statement,
                "verdict": item.claim.verdict,
                "evidence_strength": item.claim.evidence_strength or None,
                "evidence_count": item.evidence_count,
                "url": item.claim.get_absolute_url(),
            },
        }

    def entity(e: Entity) -> dict[str, Any]:
        return {"slug": e.slug, "name": e.name, "kind": e.kind, "url": e.get_absolute_url()}

    query = answer.query
    return {
        "query": (
            {"text": query.text, "read_as": query.kind, "key": query.value} if query else None
        ),
        "datasets": [
            {
                "dataset": entity(a.dataset),
                "match": "exact" if a.exact else "close",
                "versions": [
                    {
                        "number": v.number,
                        "label": v.label,
                        "rows": v.row_count,
                        "imported_at": v.imported_at.isoformat() if v.imported_at else None,
                        "file_sha256": v.file_sha256,
                        "source_url": v.source_url or None,
                    }
                    for v in a.versions
                ],
                "matches": [
                    {
                        "kind": m.kind,
                        "key": m.key or None,
                        "title": m.title or None,
                        "author": m.author or None,
                        "channel_id": m.channel_id or None,
                        "host": m.host or None,
                        "version": m.version_number,
                        "match": "exact" if m.exact else "close",
                        "similarity": m.similarity,
                    }
                    for m in a.matches
                ],
                "memberships": [link(x) for x in a.memberships],
                "models": [
                    {
                        "model": entity(p.model),
                        "path": [entity(e) for e in p.entities],
                        "weakest_verdict": p.weakest_verdict,
                        "weakest_strength": p.weakest_strength or None,
                        "alleged": p.alleged,
                        "links": [link(x) for x in p.links],
                    }
                    for p in a.paths
                ],
            }
            for a in answer.datasets
        ],
    }
