"""One access rule for every address: the URL patterns are enumerated, and for a
draft, a pending, a rejected and a published claim (with its evidence, source
and archived file) each person gets exactly what `app.catalog.access` says.

Failures 1 and 4 of issue 11 are here: a pending claim's sources are not
public, and a contributor does not read another user's draft source card.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from app.archive.models import ArtifactKind
from app.archive.storage import store_artifact
from app.catalog.choices import PublicationState as S
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory

STATES = [S.DRAFT, S.PENDING, S.REJECTED, S.PUBLISHED]
PEOPLE = ["anonymous", "carol", "dave", "alice", "bob"]
# Who may see carol's unpublished work: carol herself, editors and moderators.
SEES_DRAFTS = {"carol", "alice", "bob"}

# Every parametrized address, by what its parameters name and whose rule applies:
# public   - reader pages and the read API: published only, whoever asks;
# user     - archived copies: published, or to those who may see the draft;
# work     - the workspace: signed-in people with a role, drafts to those who may;
# edit     - the workspace's forms: see above, and 403 for those who may not change it;
# remove   - as edit, but a published claim's part only by who may withdraw the claim
#            (moderators: `publication.can_remove_part`);
# editors  - pages for editors and moderators only (403 for contributors, whatever the claim);
# moderate - the moderation pages: moderators only.
# withdraw - the withdrawal confirmation: who may see the claim; 403 unless they may
#            withdraw it (moderators: `publication.may_withdraw`), then 409 unless published.
CLASSIFIED: dict[str, tuple[str, str]] = {
    "public:claim": ("public", "claim"),
    "public:claim-feed": ("public", "claim"),
    "public:claim-card": ("public", "claim"),
    "public:claim-evidence": ("public", "claim_stance"),
    "api:claim": ("public", "claim"),
    "api:source": ("public", "source"),
    "api:claim-prov": ("public", "claim"),
    # GET only here; its PATCH (token, who may change the claim) is tests/api/test_relation_patch.py.
    "api:relation": ("public", "relation"),
    "monitor:claim_package": ("public", "claim"),
    "moderation:flag_claim": ("public", "claim"),
    "moderation:flag_evidence": ("public", "evidence"),
    "archive:source": ("user", "source"),
    "archive:artifact": ("user", "artifact"),
    "monitor:source_versions": ("user", "source"),
    "monitor:video": ("user", "video"),
    "editor:claim": ("work", "claim"),
    "editor:claim_history": ("work", "claim"),
    "editor:evidence_history": ("work", "evidence"),
    "editor:source_card": ("work", "source"),
    "editor:claim_edit": ("edit", "claim"),
    "editor:evidence_edit": ("edit", "evidence"),
    "editor:claim_withdraw": ("withdraw", "claim"),
    "graph:claim_relation": ("edit", "claim"),
    "graph:relation_edit": ("edit", "relation"),
    "graph:relation_remove": ("remove", "relation"),
    "disclosures:claim_gap": ("editors", "claim"),
    "moderation:claim": ("moderate", "claim_pk"),
    "moderation:review": ("moderate", "review"),
}
# POST-only actions on a claim are covered by tests/catalog/test_publication.py and the
# editor/moderation/API permission tests; these are listed so that a new address must be
# placed in one list or the other.
ACTIONS = {
    "api:claim-evidence-create",
    "api:claim-submit",
    "api:claim-publish",
    "api:claim-withdraw",
    "api:claim-verdict",
    "api:evidence-update",
    "api:source-upload",
    "api:source-retry",
    "api:relation-evidence",
    "api:relation-submit",
    "api:relation-publish",
    "api:relation-withdraw",
    "api:relation-remove",
    "editor:claim_submit",
    "editor:claim_publish",
    "editor:claim_verdict",
    "editor:evidence_create",
    "editor:claim_restore",
    "editor:evidence_restore",
    "editor:source_retry",
    "editor:source_upload",
    "moderation:take",
    "moderation:release",
    "moderation:decide",
    "moderation:verdict",
    "moderation:reply",
    "compare:review",
    "compare:lower",
    "compare:attach",
}
# Parametrized addresses that are not about a claim, its evidence or its sources.
UNRELATED = {
    "core:worker-probe-status": "a probe token",
    "api:entity": "entities are public records",
    "api:export": "whole exports, checked by test_listings_never_show_unpublished_work",
    "public:entity": "entities are public records",
    "public:entity-feed": "checked by test_listings_never_show_unpublished_work",
    "accounts:token_revoke": "the user's own tokens",
    "accounts:password_reset_confirm": "a reset token",
    "editor:entity_chip": "entities",
    "editor:entity_edit": "entities",
    "moderation:suggestion_status": "a suggestion's secret token",
    "replay-asset": "ReplayWeb.page's files by name, on the replay origin only",
}


# Records of other apps with their own publication state (through catalog.publication)
# or tied to an evidence item; each app's tests check their addresses for outsiders.
OTHER_RECORDS = {
    "disclosures:disclosure": "tests/disclosures",
    "disclosures_api:disclosure": "tests/disclosures",
    "disclosures:developer_gap": "tests/disclosures",
    "disclosures_api:developer_gap": "tests/disclosures",
    "disclosures:case": "tests/disclosures",
    "disclosures_api:case": "tests/disclosures",
    "disclosures:case_feed": "tests/disclosures",
    "disclosures:edit": "tests/disclosures",
    "disclosures:submit": "tests/disclosures",
    "disclosures:section": "tests/disclosures",
    "disclosures:market": "tests/disclosures",
    "disclosures:gap_submit": "tests/disclosures",
    "disclosures:case_edit": "tests/disclosures",
    "graph:version": "tests/graph (dataset index versions, workspace only)",
    "graph:rejects": "tests/graph (dataset index versions, workspace only)",
    "compare:detail": "tests/compare (a comparison is visible when its evidence item is)",
    "compare:file": "tests/compare (a comparison is visible when its evidence item is)",
    "compare:new": "tests/compare/test_editor.py (a claim's evidence form: outsiders refused)",
    "compare:manage": "tests/compare/test_editor.py (who may change the evidence item)",
    "compare:element_crop": "tests/compare/test_elements.py (elements of files the user may see)",
    "compare_api:comparison": "tests/compare/test_api_package.py (reviewed, public evidence)",
    "ledgerdata:dump-file": "tests/ledgerdata (dumps hold published data only)",
    "replay-page": "tests/monitor/test_replay.py (replay origin only; public sources only)",
    "replay-wacz": "tests/monitor/test_replay.py (replay origin only; public sources only)",
}


# Addresses without parameters that list workspace work, by the family above (the rule of
# `_expected` for a published claim: who may open the list at all). Each app's tests check
# what the list holds for whom.
WORKSPACE_LISTS = {
    "compare:review_queue": "editors",  # tests/compare/test_review_queue.py: whose, which
}


def _patterns(patterns: list[Any], ns: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, pattern.namespace or ns)
        elif pattern.name:
            yield (f"{ns}:{pattern.name}" if ns else pattern.name), pattern


def test_every_address_about_the_ledger_is_classified() -> None:
    unknown = []
    for name, pattern in _patterns(get_resolver().url_patterns):
        if name.startswith("admin:") or not pattern.pattern.converters:
            continue
        known = CLASSIFIED.keys() | ACTIONS | UNRELATED.keys() | OTHER_RECORDS.keys()
        if name not in known:
            unknown.append(name)
    assert unknown == [], f"place these addresses in one of the lists above: {unknown}"


@dataclass
class Case:
    claim: Any
    evidence: Any
    source: Any
    artifact: Any
    relation: Any


@pytest.fixture
def world(carol: Any, dave: Any, alice: Any, bob: Any) -> dict[str, Case]:
    from django.utils import timezone

    from app.catalog.choices import EntityKind
    from app.graph.services import relation_add
    from tests.factories import EntityFactory

    work = EntityFactory(kind=EntityKind.WORK, name="Hidden-work")
    dataset = EntityFactory(kind=EntityKind.DATASET, name="Hidden-dataset")
    cases = {}
    for state in STATES:
        at = timezone.now() if state == S.PUBLISHED else None
        claim = ClaimFactory(
            state=state, published_at=at, created_by=carol, statement=f"Hidden-{state} zqx claim"
        )
        source = SourceFactory(url=f"https://{state}.example/report", title=f"Hidden-{state} src")
        evidence = EvidenceFactory(
            claim=claim,
            source=source,
            state=state,
            published_at=at,
            added_by=carol,
            summary=f"Hidden-{state} evidence summary",
        )
        capture = CaptureFactory(source=source)
        artifact = store_artifact(
            capture=capture,
            kind=ArtifactKind.TEXT,
            name="text.txt",
            data=f"Hidden-{state} archived text".encode(),
            media_type="text/plain",
        )
        relation = relation_add(
            claim=claim, kind="membership", upstream=work, downstream=dataset, actor=carol
        )
        cases[state] = Case(claim, evidence, source, artifact, relation)
    return cases


def _url(name: str, obj: str, case: Case) -> str:
    args: list[Any]
    if obj == "claim":
        args = [case.claim.slug]
    elif obj == "claim_stance":  # a claim's list of one stance's items
        args = [case.claim.slug, case.evidence.stance]
    elif obj == "claim_pk":
        args = [case.claim.pk]
    elif obj == "review":
        args = ["claim", case.claim.pk]
    elif obj == "evidence":
        args = [case.evidence.pk]
    elif obj == "relation":
        args = [case.relation.pk]
    elif obj == "source":
        args = [case.source.pk]
    elif obj in ("artifact", "video"):
        args = [case.artifact.pk, case.artifact.name]
    else:  # pragma: no cover - a new kind of object needs a line here
        raise AssertionError(obj)
    return reverse(name, args=args)


def _expected(family: str, person: str, state: str) -> set[int]:
    """The status codes the rule allows, written out from the table in access.py."""
    published = state == S.PUBLISHED
    if family == "public":
        return {200} if published else {404}
    if family == "user":
        return {200} if published or person in SEES_DRAFTS else {404}
    if person == "anonymous":
        return {302}  # to the log-in page
    if family == "withdraw":
        if not (published or person in SEES_DRAFTS):
            return {404}
        if person != "bob":
            return {403}
        return {200} if published else {409}
    if family == "moderate":
        return {200} if person == "bob" else {403}
    if family == "editors":
        return {200} if person in ("alice", "bob") else {403}
    if family == "work":
        return {200} if published or person in SEES_DRAFTS else {404}
    if family == "remove" and published:
        return {200} if person == "bob" else {403}
    # edit: editors and moderators always; the author only while it is a draft
    if person in ("alice", "bob") or (person == "carol" and state == S.DRAFT):
        return {200}
    return {403} if published or person == "carol" else {404}


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_gets_what_the_rule_says(
    person: str, world: dict[str, Case], request: pytest.FixtureRequest
) -> None:
    client = Client()
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    wrong = []
    for name, (family, obj) in CLASSIFIED.items():
        for state, case in world.items():
            response = client.get(_url(name, obj, case))
            expected = _expected(family, person, state)
            if obj == "video" and expected == {200}:
                expected = {404}  # a text file is not a video: found, but not played
            body = b"" if response.streaming else response.content
            leaked = response.status_code != 200 and b"Hidden-" in body
            if response.status_code not in expected or leaked:
                wrong.append((name, state, response.status_code, sorted(expected)))
    assert wrong == []


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_may_open_the_workspace_lists_the_rule_says(
    person: str, request: pytest.FixtureRequest
) -> None:
    client = Client()
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    got = {name: client.get(reverse(name)).status_code for name in WORKSPACE_LISTS}
    expected = {n: _expected(f, person, S.PUBLISHED) for n, f in WORKSPACE_LISTS.items()}
    assert {n: code for n, code in got.items() if code not in expected[n]} == {}


def test_listings_never_show_unpublished_work(world: dict[str, Case], client: Client) -> None:
    pages = [
        reverse("public:home"),
        reverse("public:claims"),
        reverse("public:claims") + "?q=zqx",
        reverse("public:claims-feed"),
        reverse("public:sitemap"),
        reverse("api:claims"),
        reverse("api:claims") + "?q=zqx",
        reverse("api:export", args=["claims", "csv"]),
        reverse("api:export", args=["evidence", "csv"]),
        reverse("api:export", args=["sources", "csv"]),
        reverse("api:export", args=["claims", "json"]),
        reverse("dashboards:overview"),  # counts and entity names of public work only
    ]
    seen_published = False
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for state in (S.DRAFT, S.PENDING, S.REJECTED):
            assert f"Hidden-{state}".encode() not in body, (url, state)
        seen_published = seen_published or b"Hidden-published" in body
    assert seen_published  # the listings do show the published claim


def test_a_pending_claims_sources_stay_private_when_its_evidence_is_published(
    world: dict[str, Case], client: Client, pat: Any
) -> None:
    """Failure 1: an editor who may publish directly adds evidence to a pending claim."""
    from app.catalog.services import evidence_add

    pending = world[S.PENDING].claim
    found = evidence_add(
        claim=pending,
        actor=pat,
        url="https://pat.example/leak",
        kind="news_report",
        stance="supports",
        summary="Published evidence on a pending claim.",
    )
    assert found.evidence.state == S.PUBLISHED  # pat may publish his own evidence
    capture = CaptureFactory(source=found.source.source)
    file = store_artifact(
        capture=capture, kind=ArtifactKind.TEXT, name="text.txt", data=b"x", media_type="text/plain"
    )
    for url in (
        reverse("archive:source", args=[found.source.source.pk]),
        reverse("monitor:source_versions", args=[found.source.source.pk]),
        reverse("archive:artifact", args=[file.pk, file.name]),
        reverse("api:source", args=[found.source.source.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_contributor_cannot_read_another_users_draft_source_card(
    world: dict[str, Case], client: Client, dave: Any, carol: Any
) -> None:
    """Failure 4."""
    source = world[S.DRAFT].source
    client.force_login(dave)
    response = client.get(reverse("editor:source_card", args=[source.pk]))
    assert response.status_code == 404
    assert b"draft.example" not in response.content
    client.force_login(carol)
    assert client.get(reverse("editor:source_card", args=[source.pk])).status_code == 200
