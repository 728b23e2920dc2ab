"""A claim's lineage in W3C PROV: served by the API, carried in the evidence package,
and read back by the ``prov`` package's own PROV-JSON reader."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import networkx
import pytest
from django.urls import reverse
from prov.graph import prov_to_graph
from prov.model import PROV, ProvDocument

from app.archive.models import Artifact, Capture
from app.archive.package import PACKAGE_MANIFEST, verify_package
from app.catalog.models import Claim
from app.catalog.services import verdict_set
from tests.factories import ClaimFactory, EvidenceFactory
from tests.ledgerdata.prov_reference import claim_document

pytestmark = pytest.mark.django_db
DEMO = "sora-trained-on-video-game-footage"


def streamed(client: Any, slug: str) -> str:
    """The streamed PROV-JSON of a claim, whole."""
    response = client.get(f"/api/v1/claims/{slug}/prov")
    assert response.status_code == 200
    assert response.streaming, "the lineage is streamed, not built whole in memory"
    assert response["Content-Type"].startswith("application/json")
    return b"".join(response.streaming_content).decode()


def read(client: Any, slug: str) -> ProvDocument:
    return ProvDocument.deserialize(content=streamed(client, slug), format="json")


def records(doc: ProvDocument, kind: str) -> dict[str, Any]:
    return {str(r.identifier): r for r in doc.get_records() if r.get_type().localpart == kind}


def attr(record: Any, name: str) -> Any:
    values = [v for k, v in record.attributes if str(k) == name]
    return values[0] if values else None


def test_the_demo_claims_lineage_reads_back_with_every_link(client, demo):
    doc = read(client, DEMO)
    site = "tl:"
    # The reader gives back the same document, and it serializes again identically.
    again = ProvDocument.deserialize(content=doc.serialize(format="json"), format="json")
    assert again == doc
    entities = records(doc, "Entity")
    claim = entities[f"{site}claims/{DEMO}"]
    assert attr(claim, "prov:label").startswith("Sora was trained on video-game footage")
    claim_row = Claim.objects.get(slug=DEMO)
    evidence = {k for k in entities if k.startswith("tl:evidence/")}
    assert len(evidence) == claim_row.evidence.filter(state="published").count()
    artifacts = Artifact.objects.filter(capture__source__evidence__claim=claim_row).distinct()
    assert artifacts.exists()
    for artifact in artifacts:
        entity = entities[f"{site}artifacts/{artifact.pk}"]
        assert attr(entity, "tl:sha256") == artifact.sha256
        assert attr(entity, "tl:size") == artifact.size
    # claim <- evidence <- source <- capture -> artifact, as a graph the prov package builds.
    graph = prov_to_graph(doc).to_undirected()
    nodes = {str(n.identifier): n for n in graph.nodes}
    for artifact in artifacts:
        assert networkx.has_path(
            graph, nodes[f"{site}claims/{DEMO}"], nodes[f"{site}artifacts/{artifact.pk}"]
        )
    activities = records(doc, "Activity")
    for capture in Capture.objects.filter(artifacts__in=artifacts).distinct():
        activity = activities[f"{site}captures/{capture.pk}"]
        assert activity.get_startTime() is not None
    agents = records(doc, "Agent")
    software = [a for a in agents.values() if PROV["SoftwareAgent"] in a.get_asserted_types()]
    assert any(str(attr(a, "tl:tool")) == "trainedon-archiver" for a in software)
    assert len(software) >= 2, "the engine and at least one tool with its version"


def test_the_streamed_document_is_the_one_the_prov_package_builds(client, demo, alice, bob):
    """The app writes PROV-JSON itself, record by record; ``prov``'s object model, as the app
    used it before (tests/ledgerdata/prov_reference.py), is the reference: both read back by
    ``prov`` are the same document (records, identifiers, attributes and their types)."""
    claim = ClaimFactory(slug="people-and-changes", created_by=alice)
    EvidenceFactory(claim=claim, added_by=alice, quote="", locator="p. 4")
    EvidenceFactory(claim=claim, added_by=bob)
    EvidenceFactory(claim=claim, added_by=None)
    verdict_set(claim=claim, verdict="supported", note="Two reports agree.", actor=bob)
    EvidenceFactory(claim=claim, added_by=alice)  # after the change: not used by it
    for slug in (DEMO, "people-and-changes"):
        text = streamed(client, slug)
        ours = ProvDocument.deserialize(content=text, format="json")
        reference = claim_document(slug)
        assert ours == reference, slug
        # Same records by kind (a document that drops records of one kind would differ above,
        # but say which), and the same namespaces.
        kinds = lambda d: sorted(r.get_type().localpart for r in d.get_records())  # noqa: E731
        assert kinds(ours) == kinds(reference)
        assert {n.prefix: n.uri for n in ours.namespaces} == {
            n.prefix: n.uri for n in reference.namespaces
        }
        # Same JSON too, but for the blank nodes' numbers and the order of records.
        ours_json = json.loads(text)
        reference_json = json.loads(reference.serialize(format="json"))
        assert set(ours_json) == set(reference_json)
        for kind, records in reference_json.items():
            if kind == "prefix":
                assert ours_json[kind] == records
            elif all(key.startswith("_:") for key in records):
                canon = lambda rs: sorted(json.dumps(r, sort_keys=True) for r in rs.values())  # noqa: E731
                assert canon(ours_json[kind]) == canon(records), kind
            else:
                assert ours_json[kind] == records, kind


def test_people_are_agents_of_what_they_did(client, alice, bob):
    claim = ClaimFactory(slug="people", created_by=alice)
    EvidenceFactory(claim=claim, added_by=alice)
    verdict_set(claim=claim, verdict="supported", note="Two reports agree.", actor=bob)
    doc = read(client, "people")
    text = doc.serialize(format="json")
    data = json.loads(text)
    agents = data["agent"]
    assert "tl:people/alice" in agents and "tl:people/bob" in agents
    associations = data["wasAssociatedWith"].values()
    assert any(
        a["prov:agent"] == "tl:people/bob" and a["prov:activity"].startswith("tl:verdict-changes/")
        for a in associations
    )
    [change] = [v for k, v in data["activity"].items() if k.startswith("tl:verdict-changes/")]
    assert change["tl:note"] == "Two reports agree."
    assert change["tl:newVerdict"] == "supported"
    assert any(a["prov:agent"] == "tl:people/alice" for a in data["wasAttributedTo"].values())


def test_unpublished_things_stay_out(client):
    claim = ClaimFactory(slug="partly")
    shown = EvidenceFactory(claim=claim)
    hidden = EvidenceFactory(claim=claim, state="draft", published_at=None)
    data = json.loads(streamed(client, "partly"))
    assert f"tl:evidence/{shown.pk}" in data["entity"]
    assert f"tl:evidence/{hidden.pk}" not in data["entity"]
    assert f"tl:sources/{hidden.source_id}" not in data["entity"]


def test_a_draft_claim_has_no_lineage(client):
    ClaimFactory(slug="d", draft=True)
    response = client.get("/api/v1/claims/d/prov")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404
    assert client.get("/api/v1/claims/nothing-here/prov").status_code == 404


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["paths"]["/claims/{slug}/prov"]["get"]["operationId"] == "getClaimProvenance"


def test_the_evidence_package_carries_the_lineage_and_still_verifies(client, demo, tmp_path):
    response = client.get(reverse("monitor:claim_package", args=[DEMO]))
    package = Path(tmp_path / "p.zip")
    package.write_bytes(b"".join(response.streaming_content))
    assert verify_package(package) == []
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read(PACKAGE_MANIFEST))
        body = archive.read("provenance.json").decode()
    [entry] = [f for f in manifest["files"] if f["path"] == "provenance.json"]
    assert entry["size"] == len(body.encode())
    doc = ProvDocument.deserialize(content=body, format="json")
    assert doc == read(client, DEMO)


def test_a_changed_lineage_file_fails_verification(client, demo, tmp_path):
    response = client.get(reverse("monitor:claim_package", args=[DEMO]))
    package = tmp_path / "p.zip"
    package.write_bytes(b"".join(response.streaming_content))
    doctored = tmp_path / "d.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(doctored, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "provenance.json":
                data = data.replace(b"Sora", b"Sorb", 1)
            target.writestr(info, data)
    assert any(p.name == "provenance.json" for p in verify_package(doctored))
