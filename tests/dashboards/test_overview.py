"""The public overview: published numbers only, in charts and tables, cached like a page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from app.archive.models import CaptureStatus
from app.catalog import access
from app.catalog.choices import EvidenceKind, OnlineStatus, PublicationState, Stance, Verdict
from app.public.cache import bump_version
from app.public.queries import site_counts
from tests.dashboards.pages import bars, columns, soup, table
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory
from tests.public.world import World, grow, make_world

pytestmark = pytest.mark.django_db

S = PublicationState


def hidden_work(world: World) -> None:
    """A draft claim, a pending claim, pending and draft evidence: none may be counted."""
    draft = ClaimFactory(draft=True, verdict=Verdict.REFUTED, statement="Hidden draft claim.")
    draft.models_named.add(world.model)
    pending = ClaimFactory(
        state=S.PENDING, published_at=None, verdict=Verdict.RETRACTED, statement="Hidden pending."
    )
    pending.models_named.add(world.model)
    # Published evidence of an unpublished claim is not public either.
    EvidenceFactory(claim=draft, kind=EvidenceKind.COURT_FILING, stance=Stance.CONTRADICTS)
    EvidenceFactory(
        claim=world.claim,
        state=S.PENDING,
        published_at=None,
        kind=EvidenceKind.LEAKED_DOCUMENT,
        stance=Stance.CONTRADICTS,
    )
    EvidenceFactory(
        claim=world.claim,
        state=S.DRAFT,
        published_at=None,
        kind=EvidenceKind.COURT_FINDING,
        stance=Stance.CONTEXT,
    )
    # A source cited only by hidden evidence, gone and captured: not in the archive charts.
    gone = SourceFactory(online_status=OnlineStatus.GONE)
    CaptureFactory(source=gone, status=CaptureStatus.FAILED)
    EvidenceFactory(claim=world.claim, source=gone, state=S.PENDING, published_at=None)


def test_the_overview_counts_published_work_only(client: Client) -> None:
    world = make_world(evidence=3)  # supports, contradicts, context; output comparisons
    hidden_work(world)
    page = soup(client.get("/overview/").content)

    assert table(page, "verdicts") == {str(v.label): [0] for v in Verdict} | {"Supported": [1]}
    assert bars(page, "verdicts")["Supported"] == 1
    assert bars(page, "verdicts")["Refuted"] == 0
    assert table(page, "models") == {"Vidgen": [1]}
    assert table(page, "developers") == {"Frontier Labs": [1]}
    assert table(page, "stances") == {"Supports": [1], "Contradicts": [1], "Context": [1]}
    assert table(page, "kinds") == {"Output-resemblance test": [3]}
    month = timezone.localdate().strftime("%B %Y")
    assert table(page, "claims-month") == {month: [1]}
    assert table(page, "evidence-month") == {month: [3]}
    assert columns(page, "evidence-month") == [f"{month}, Evidence items: 3"]
    # Three public sources, all archived and not checked yet; the hidden gone one is not there.
    assert table(page, "online")["Not checked yet"] == [3]
    assert table(page, "online")["Removed"] == [0]
    assert table(page, "captures") == {str(s.label): [0] for s in CaptureStatus} | {"Archived": [3]}
    totals = [li.strong.get_text() for li in page.select(".dash-counts li")]
    assert totals == ["1", "3", "3", "3"]
    body = str(page)
    assert "Hidden" not in body and "Court filing" not in body and "Leaked" not in body


def test_the_overview_agrees_with_the_trust_cores_public_rule(client: Client) -> None:
    world = make_world(evidence=2)
    grow(world, 5)
    hidden_work(world)
    page = soup(client.get("/overview/").content)
    claims = access.public_claims()
    assert sum(v[0] for v in table(page, "verdicts").values()) == claims.count()
    for verdict in Verdict:
        expected = claims.filter(verdict=verdict).count()
        assert table(page, "verdicts")[str(verdict.label)] == [expected]
    evidence = access.public_evidence()
    assert sum(v[0] for v in table(page, "stances").values()) == evidence.count()
    assert sum(v[0] for v in table(page, "online").values()) == access.public_sources().count()
    totals = [li.strong.get_text() for li in page.select(".dash-counts li")]
    assert int(totals[3]) == site_counts()["sources"]  # the home page's archived sources


def test_the_overview_is_in_french(client: Client) -> None:
    make_world()
    page = soup(client.get("/fr/overview/").content)
    assert page.html["lang"] == "fr"
    assert page.h1.get_text() == "Le registre d’un coup d’œil"
    assert table(page, "verdicts")["Étayée"] == [1]
    assert page.select_one("#verdicts-svg-title").get_text() == "Affirmations par verdict"
    assert "Voir les chiffres" in str(page) and "Show the numbers" not in str(page)


def test_every_chart_has_a_title_a_description_and_a_table(client: Client) -> None:
    make_world()
    page = soup(client.get("/overview/").content)
    svgs = page.select("svg.chart")
    assert len(svgs) == 9
    for svg in svgs:
        assert svg["role"] == "img"
        title, desc = svg.find("title"), svg.find("desc")
        assert title.get_text() and desc.get_text()
        assert svg["aria-labelledby"] == f"{title['id']} {desc['id']}"
        assert svg.find_parent("figure").select_one("details table")
    assert not page.select("svg [style], svg style, svg script"), "the CSP forbids inline style"


# --- Queries and cache --------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    bump_version()  # a cache miss
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# verdicts and months of claims, developers, models, evidence (stance, kind, month), sources
OVERVIEW_QUERIES = 5


def test_the_overview_keeps_its_query_count_after_20_more_rows(client: Client) -> None:
    world = make_world()
    few = count_queries(client, "/overview/")
    grow(world, 20)
    many = count_queries(client, "/overview/")
    assert (few, many) == (OVERVIEW_QUERIES, OVERVIEW_QUERIES)
    assert OVERVIEW_QUERIES <= 15  # the budget


def test_a_cached_overview_costs_no_query(client: Client) -> None:
    make_world()
    client.get("/overview/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/overview/").status_code == 200
    assert len(queries) == 0


def test_a_signed_in_reader_gets_the_memoized_numbers(client: Client, carol: Any) -> None:
    make_world()
    client.force_login(carol)
    client.get("/overview/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/overview/").status_code == 200
    assert all("catalog_claim" not in q["sql"] for q in queries.captured_queries)
