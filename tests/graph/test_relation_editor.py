"""The workspace's relation editor (app/graph/relation_views.py): each kind, bad input,
who may use it, and a draft relation kept out of the lookup."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import AuditEntry, Claim, Evidence
from app.graph.models import Attribution, Relation, RelationKind, UseStage
from tests.conftest import PASSWORD
from tests.factories import ClaimFactory, EntityFactory
from tests.graph.conftest import World

pytestmark = pytest.mark.django_db

NEW = "/editor/relations/new/"
EVIDENCE = {
    "evidence-url": "https://papers.example/llama.pdf",
    "evidence-kind": "developer_disclosure",
    "evidence-stance": "supports",
    "evidence-summary": "The paper's table 1 lists the dataset.",
}


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _post(client: Client, url: str = NEW, **fields: Any) -> Any:
    return client.post(url, {**EVIDENCE, "action": "save", **fields})


def test_each_kind_is_created_with_its_claim_and_evidence(world: World, alice: Any) -> None:
    client = _client(alice)
    assert client.get(NEW).status_code == 200
    webtext = EntityFactory(kind=EntityKind.DATASET, name="WebText", slug="webtext")
    cases = [
        ({"kind": "membership", "upstream": "The Sea Inside", "downstream": "the-pile"}, {}),
        (
            {"kind": "use", "upstream": "webtext", "downstream": "LLaMA",
             "stage": "finetuning", "attribution": "declared"},
            {"stage": UseStage.FINETUNING, "attribution": Attribution.DECLARED},
        ),
        ({"kind": "derivation", "upstream": "The Pile", "downstream": "WebText"}, {}),
    ]  # fmt: skip
    for fields, expected in cases:
        response = _post(client, **fields)
        assert response.status_code == 302, response.content.decode()[:2000]
        relation = Relation.objects.filter(kind=fields["kind"]).latest("pk")
        claim = relation.claim
        assert response["Location"] == f"/editor/claims/{claim.slug}/"
        assert claim.state == PublicationState.DRAFT and claim.created_by == alice
        for name, value in expected.items():
            assert getattr(relation, name) == value
        item = Evidence.objects.get(claim=claim)
        assert item.source.url == EVIDENCE["evidence-url"] and item.stance == "supports"
    use = Relation.objects.get(kind=RelationKind.USE, upstream=webtext)
    assert use.claim.statement == "WebText was used to train LLaMA"
    assert list(use.claim.models_named.all()) == [world.llama]
    page = client.get(f"/editor/claims/{use.claim.slug}/").content.decode()
    assert f'href="/editor/claims/{use.claim.slug}/relations/new/"' in page  # the link


def test_submit_goes_through_the_one_publication_action(world: World, alice: Any, pat: Any) -> None:
    fields = {"kind": "membership", "upstream": "ana-writer", "downstream": "books3"}
    assert _post(_client(alice), **{**fields, "action": "submit"}).status_code == 302
    claim = Relation.objects.get(upstream=world.author).claim
    assert claim.state == PublicationState.PENDING
    assert Evidence.objects.get(claim=claim).state == PublicationState.PENDING  # cascade
    fields["downstream"] = "the-pile"
    assert _post(_client(pat), **{**fields, "action": "submit"}).status_code == 302
    claim = Relation.objects.get(upstream=world.author, downstream=world.pile).claim
    assert claim.state == PublicationState.PUBLISHED
    entry = AuditEntry.objects.filter(target_type__icontains="claim", target_id=str(claim.pk))
    assert entry.filter(actor=pat, after__state="published").exists()  # publication_set's entry


def test_a_relation_is_added_to_an_existing_claim_evidence_optional(
    world: World, carol: Any, dave: Any
) -> None:
    claim = ClaimFactory(created_by=carol, draft=True)
    url = f"/editor/claims/{claim.slug}/relations/new/"
    fields = {"kind": "use", "upstream": "books3", "downstream": "llama-chat",
              "stage": "unknown", "attribution": "alleged", "evidence-url": ""}  # fmt: skip
    assert _client(dave).get(url).status_code in (403, 404)  # not dave's draft
    assert _post(_client(dave), url, **fields).status_code in (403, 404)
    response = _post(_client(carol), url, **fields)
    assert response.status_code == 302 and response["Location"] == f"/editor/claims/{claim.slug}/"
    relation = Relation.objects.get(claim=claim)
    assert (relation.stage, relation.attribution) == ("unknown", "alleged")
    assert not Evidence.objects.filter(claim=claim).exists()
    assert not Claim.objects.filter(statement__contains="llama-chat").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "derivation", "upstream": "books3", "downstream": "Books3"},
         "A relation joins two different entities."),
        ({"kind": "membership", "upstream": "llama", "downstream": "books3"},
         "A membership goes from a work, a creator or an organization (a site or a channel) to "
         "a dataset. Here “LLaMA” is of the kind “AI model”"),
        ({"kind": "use", "upstream": "books3", "downstream": "llama", "attribution": "declared"},
         "Give the training stage of a use (or say it is unknown)."),
        ({"kind": "use", "upstream": "books3", "downstream": "llama", "stage": "pretraining"},
         "Say whether the developer declared this use or others allege it."),
        ({"kind": "membership", "upstream": "No Such Book", "downstream": "books3"},
         "No entity is named “No Such Book”."),
        ({"kind": "membership", "upstream": "the-sea-inside", "downstream": "books3",
          "stage": "pretraining"}, "Stage and declared/alleged apply to use relations only."),
        ({"kind": "teleport", "upstream": "the-sea-inside", "downstream": "books3"},
         "Select a valid choice."),
        ({"kind": "membership", "upstream": "the-sea-inside", "downstream": "books3",
          "evidence-url": "ftp://nowhere"}, "Only http:// and https:// addresses can be sources."),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_with_a_clear_message_and_writes_nothing(
    world: World, alice: Any, fields: dict[str, str], message: str
) -> None:
    before = (Relation.objects.count(), Claim.objects.count(), Evidence.objects.count())
    response = _post(_client(alice), **fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert "The relation was not added" in html
    assert message in html
    assert (Relation.objects.count(), Claim.objects.count(), Evidence.objects.count()) == before


def test_a_new_claim_needs_its_evidence(world: World, alice: Any) -> None:
    response = _post(_client(alice), **{"kind": "membership", "upstream": "the-sea-inside",
                                         "downstream": "the-pile", "evidence-url": ""})  # fmt: skip
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not Relation.objects.filter(downstream=world.pile, kind="membership").exists()


def test_htmx_swaps_the_form_in_place_and_redirects_on_success(world: World, alice: Any) -> None:
    client = _client(alice)
    bad = client.post(NEW, {**EVIDENCE, "kind": "use", "upstream": "books3",
                            "downstream": "llama"}, HTTP_HX_REQUEST="true")  # fmt: skip
    html = bad.content.decode()
    assert bad.status_code == 200 and html.startswith('<form method="post" id="relation-form"')
    assert "<html" not in html and "Give the training stage" in html
    good = client.post(NEW, {**EVIDENCE, "kind": "use", "upstream": "books3", "downstream":
                             "llama", "stage": "evaluation", "attribution": "alleged"},
                       HTTP_HX_REQUEST="true")  # fmt: skip
    assert good.status_code == 204 and good["HX-Redirect"].startswith("/editor/claims/")


def test_who_may_use_it(world: World, carol: Any, mallory: Any) -> None:
    anonymous = Client()
    response = anonymous.get(NEW)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert anonymous.post(NEW, {"kind": "membership"}).status_code == 302
    assert _client(mallory).get(NEW).status_code == 403
    assert _post(_client(mallory), kind="membership", upstream="the-sea-inside",
                 downstream="the-pile").status_code == 403  # fmt: skip
    published = world.used.claim
    assert _client(carol).get(f"/editor/claims/{published.slug}/relations/new/").status_code == 403
    fields = {"kind": "membership", "upstream": "the-sea-inside", "downstream": "the-pile"}
    assert _post(_client(carol), **fields).status_code == 302  # a contributor may propose one
    assert Relation.objects.get(downstream=world.pile, kind="membership").claim.created_by == carol
    assert Relation.objects.filter(downstream=world.pile, kind="membership").count() == 1


def test_a_draft_or_pending_relation_never_shows_in_the_lookup(
    indexed: World, alice: Any, pat: Any
) -> None:
    EntityFactory(kind=EntityKind.MODEL, name="Hidden Model", slug="hidden-model")
    EntityFactory(kind=EntityKind.MODEL, name="Open Model", slug="open-model")
    use = {"kind": "use", "upstream": "books3", "stage": "pretraining", "attribution": "alleged"}
    assert _post(_client(alice), **use, downstream="hidden-model").status_code == 302
    reader = Client()

    def shown(name: str) -> bool:
        page = reader.get("/lookup/", {"q": "0-306-40615-2"}).content.decode()
        api = reader.get("/api/v1/lookup", {"q": "0-306-40615-2"}).content.decode()
        assert "Books3" in page  # the lookup answers at all
        return name in page or name in api

    assert not shown("Hidden Model")  # a draft
    claim = Relation.objects.get(downstream__slug="hidden-model").claim
    response = _client(alice).post(f"/editor/claims/{claim.slug}/submit/")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == PublicationState.PENDING and not shown("Hidden Model")
    # The control: the same relation published by pat is shown.
    assert _post(_client(pat), **use, downstream="open-model", action="submit").status_code == 302
    assert shown("Open Model")


def test_the_form_and_its_messages_read_in_french(world: World, alice: Any) -> None:
    client = _client(alice)
    page = client.get("/fr" + NEW).content.decode()
    assert "Ajouter une relation" in page and "Type de relation" in page
    assert "Appartenance\u00a0: une œuvre" in page
    bad = client.post("/fr" + NEW, {**EVIDENCE, "kind": "use", "upstream": "books3",
                                    "downstream": "llama", "attribution": "alleged"})  # fmt: skip
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "La relation n’a pas été ajoutée" in html
    assert "Indiquez l’étape d’entraînement d’une utilisation" in html
