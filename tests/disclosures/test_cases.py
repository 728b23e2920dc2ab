"""Court cases: records, timelines, documents, pages, list filters, feed, API and exports."""

from __future__ import annotations

import json
from datetime import date
from xml.etree import ElementTree

import pytest

from app.catalog import publication
from app.catalog.choices import EntityKind, PublicationState
from app.disclosures.models import Case, CaseStatus, PartyRole
from app.disclosures.services import (
    DisclosureError,
    case_create,
    case_document_add,
    case_event_add,
    case_party_add,
)
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = '<script>alert("c")</script>'


@pytest.fixture
def case(world, pat):
    developer, model, claim = world
    case = case_create(actor=pat, title="Streamers v. Frontier Labs", court="N.D. Cal.",
                       docket_number="3:24-cv-01234", filed_on=date(2024, 5, 2),
                       judge="Judge Example", slug="streamers-v-frontier")  # fmt: skip
    plaintiff = EntityFactory(kind=EntityKind.CREATOR, name="A Streamer", slug="a-streamer")
    case_party_add(case=case, entity=plaintiff, role=PartyRole.PLAINTIFF)
    case_party_add(case=case, entity=developer, role=PartyRole.DEFENDANT)
    complaint = case_document_add(case=case, actor=pat, url="https://court.example/1.pdf",
                                  docket_entry="1", title="Complaint", filed_on=date(2024, 5, 2))  # fmt: skip
    case_event_add(case=case, when=date(2024, 5, 2), kind="complaint", title="Complaint filed",
                   document=complaint)  # fmt: skip
    case_event_add(case=case, when=date(2024, 9, 1), kind="motion_to_dismiss",
                   title=f"Motion to dismiss {HOSTILE}")  # fmt: skip
    case.claims.add(claim)
    case.models_concerned.add(model)
    return case


def test_a_case_has_its_timeline_in_date_order_and_its_documents(case, client):
    page = client.get("/cases/streamers-v-frontier/").content.decode()
    assert page.index("Complaint filed") < page.index("Motion to dismiss")
    assert "3:24-cv-01234" in page and "N.D. Cal." in page and "Judge Example" in page
    assert "No. 1" in page and "https://court.example/1.pdf" in page
    assert "A Streamer" in page and "Plaintiff" in page and "Defendant" in page
    assert "VidGen was trained on game footage." in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "is not a finding that the model was not trained" in page


def test_a_docket_number_appears_once_per_case(case, pat):
    with pytest.raises(DisclosureError):
        case_document_add(case=case, actor=pat, url="https://court.example/1b.pdf",
                          docket_entry="1", title="Again", filed_on=None)  # fmt: skip


def test_a_pending_case_is_hidden_until_published(world, alice, bob, client):
    case = case_create(actor=alice, title="Hidden v. Case", court="C", docket_number="1")
    assert case.state == PublicationState.PENDING
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.get(f"/cases/{case.slug}/feed/").status_code == 404
    assert client.get(f"/api/v1/cases/{case.slug}").status_code == 404
    assert "Hidden v. Case" not in client.get("/cases/").content.decode()
    publication.publication_set(case, PublicationState.PUBLISHED, actor=bob)
    assert client.get(case.get_absolute_url()).status_code == 200


def test_the_case_list_filters_by_status_model_and_party(case, pat, client):
    case_create(actor=pat, title="Other v. Other", court="C", docket_number="2",
                status=CaseStatus.SETTLED)  # fmt: skip
    assert "Streamers v. Frontier" in client.get("/cases/?model=vidgen").content.decode()
    assert "Other v. Other" not in client.get("/cases/?model=vidgen").content.decode()
    settled = client.get("/cases/?status=settled").content.decode()
    assert "Other v. Other" in settled and "Streamers v." not in settled
    assert "Streamers v." in client.get("/cases/?party=a-streamer").content.decode()
    bad = client.get("/cases/?status=<b>nope")
    assert bad.status_code == 400 and "<b>nope" not in bad.content.decode()


def test_the_case_feed_is_atom_with_every_event_escaped(case, client):
    response = client.get("/cases/streamers-v-frontier/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert f"Motion to dismiss {HOSTILE}" in titles  # text, escaped by the XML writer
    assert "Docket document 1: Complaint" in titles
    summaries = [e.findtext(f"{ATOM}summary") for e in root.findall(f"{ATOM}entry")]
    assert not any("<script>" in (s or "") for s in summaries)
    assert any("&lt;script&gt;" in (s or "") for s in summaries)


def test_the_api_lists_and_details_cases(case, client):
    listed = client.get("/api/v1/cases?status=active").json()["results"]
    assert [c["slug"] for c in listed] == ["streamers-v-frontier"]
    detail = client.get("/api/v1/cases/streamers-v-frontier").json()
    assert [e["kind"] for e in detail["events"]] == ["complaint", "motion_to_dismiss"]
    assert detail["events"][0]["document"] == "1"
    assert detail["documents"][0]["source"]["url"] == "https://court.example/1.pdf"
    assert detail["claims"] == ["vidgen-games"] and detail["models"] == ["vidgen"]
    assert {p["role"] for p in detail["parties"]} == {"plaintiff", "defendant"}
    assert client.get("/api/v1/cases?status=nope").status_code == 400


def test_the_exports_carry_cases_disclosures_and_gap(case, client):
    body = b"".join(client.get("/api/v1/exports/cases.csv").streaming_content).decode()
    assert body.splitlines()[0].startswith("slug,title,court")
    assert "streamers-v-frontier" in body
    cases = json.loads(b"".join(client.get("/api/v1/exports/cases.json").streaming_content))
    assert cases[0]["docket_number"] == "3:24-cv-01234"
    assert client.get("/api/v1/exports/gap.json").status_code == 200
    assert client.get("/api/v1/exports/parties.csv").status_code == 404


def test_a_case_is_linked_from_the_claim_and_model_pages(case, client):
    for url in ("/claims/vidgen-games/", "/entities/vidgen/"):
        assert 'href="/cases/streamers-v-frontier/"' in client.get(url).content.decode(), url


def test_an_editor_builds_a_case_without_javascript(world, pat, client):
    client.force_login(pat)
    response = client.post("/editor/cases/new/", {"title": "X v. Y", "court": "Court",
                           "docket_number": "9", "status": "active"})  # fmt: skip
    assert response.status_code == 302
    case = Case.objects.get(title="X v. Y")
    url = f"/editor/cases/{case.slug}/"
    client.post(url, {"action": "document", "doc-docket_entry": "12", "doc-title": "Order",
                      "doc-url": "https://court.example/12.pdf"})  # fmt: skip
    client.post(url, {"action": "event", "event-date": "2025-01-02", "event-kind": "ruling",
                      "event-title": "Order on motion", "event-docket_entry": "12"})  # fmt: skip
    bad = client.post(url, {"action": "event", "event-date": "2025-01-03", "event-kind": "ruling",
                            "event-title": "x", "event-docket_entry": "99"})  # fmt: skip
    assert bad.status_code == 400
    event = case.events.get()
    assert event.document.docket_entry == "12"
    client.post(url, {"action": "submit"})
    case.refresh_from_db()
    assert case.state == PublicationState.PUBLISHED


def test_a_published_cases_documents_have_public_archived_copies(case, client, bob):
    document = case.documents.get(docket_entry="1")
    page = f"/sources/{document.source_id}/"
    assert client.get(page).status_code == 200
    assert page.encode() in client.get("/cases/streamers-v-frontier/").content
    publication.publication_set(
        case, PublicationState.WITHDRAWN, actor=bob, reason="Filed under the wrong court."
    )
    assert client.get(page).status_code == 404
