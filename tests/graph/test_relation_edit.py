"""The relation editor's second half: the dataset-version picker, the entity picker
(htmx and the no-JavaScript search-then-pick steps), editing and removing a relation
with the trust core's rules (who may: `access.can_edit_claim`, and for removing from a
published claim `publication.can_remove_part`), and the audit entry of every change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import AuditEntry, Claim
from app.graph.models import DatasetVersion, Relation, RelationKind
from app.graph.services import dataset_for, relation_add
from tests.factories import ClaimFactory, EntityFactory
from tests.graph.conftest import World
from tests.graph.test_relation_editor import NEW, _client

pytestmark = pytest.mark.django_db

EVIDENCE = {
    "evidence-url": "https://papers.example/books3-list.pdf",
    "evidence-kind": "research",
    "evidence-stance": "supports",
    "evidence-summary": "The list of the index names the book.",
}


def _version(entity: Any, number: int, **fields: Any) -> DatasetVersion:
    return DatasetVersion.objects.create(
        dataset=dataset_for(entity), number=number, file_format="csv", file_name="index.csv",
        file_sha256="ab" * 32, status="done", row_count=120, **fields,
    )  # fmt: skip


def _mine(user: Any, state: str = PublicationState.DRAFT, **relation: Any) -> Relation:
    claim = ClaimFactory(created_by=user, state=state, published_at=None)
    return relation_add(claim=claim, actor=user, **relation)


def _entries(action: str, relation_pk: int) -> Any:
    return AuditEntry.objects.filter(action=action, target_id=str(relation_pk))


# --- (a) the dataset-version picker ---------------------------------------------------


def test_a_membership_names_a_version_of_its_dataset(world: World, alice: Any) -> None:
    v1, v2 = _version(world.books3, 1, label="2020"), _version(world.books3, 2, label="2023-08")
    other = _version(world.pile, 1)
    client = _client(alice)
    # The list follows the dataset picked as "To" (htmx asks after each pick).
    html = client.get("/editor/relations/versions/", {"downstream": "books3"}).content.decode()
    assert f'value="{v2.pk}"' in html and f'value="{v1.pk}"' in html
    assert f'value="{other.pk}"' not in html and "v2 · 2023-08" in html
    assert "Pick the dataset" in client.get("/editor/relations/versions/").content.decode()
    fields = {**EVIDENCE, "action": "save", "kind": "membership", "upstream": "the-sea-inside",
              "downstream": "books3"}  # fmt: skip
    # Another dataset's version, or no version at all: 400 and nothing written.
    bad = client.post(NEW, {**fields, "dataset_version": other.pk})
    assert bad.status_code == 400
    assert "That version belongs to another dataset." in bad.content.decode()
    missing = client.post(NEW, {**fields, "dataset_version": "999999"})
    assert missing.status_code == 400 and "Select a valid choice" in missing.content.decode()
    assert (
        not Relation.objects.filter(upstream=world.book, downstream=world.books3)
        .exclude(pk=world.membership.pk)
        .exists()
    )
    # The page lists the picked dataset's versions once it knows the dataset.
    assert f'<option value="{v2.pk}"' in bad.content.decode()
    good = client.post(NEW, {**fields, "dataset_version": v2.pk})
    assert good.status_code == 302
    relation = Relation.objects.filter(kind="membership", upstream=world.book).latest("pk")
    assert relation.dataset_version == v2


def test_a_version_left_chosen_for_another_kind_is_dropped(world: World, alice: Any) -> None:
    version = _version(world.books3, 1)
    response = _client(alice).post(NEW, {
        **EVIDENCE, "action": "save", "kind": "use", "upstream": "books3", "downstream": "llama",
        "stage": "pretraining", "attribution": "declared", "dataset_version": version.pk,
    })  # fmt: skip
    assert response.status_code == 302
    assert Relation.objects.filter(kind="use").latest("pk").dataset_version is None


# --- (b) the entity picker: htmx endpoints and the no-JavaScript steps ------------------


def test_the_workspace_entity_search_serves_the_relation_ends(world: World, carol: Any) -> None:
    client = _client(carol)
    found = client.get("/editor/entities/search/", {"field": "upstream", "q_upstream": "boo"})
    html = found.content.decode()
    assert found.status_code == 200 and "Books3" in html and "LLaMA" not in html
    assert 'hx-swap="innerHTML"' in html  # one pick replaces the previous one
    assert f'value="pick:upstream:{world.books3.pk}"' in html  # the no-JS button
    chip = client.get(f"/editor/entities/{world.books3.pk}/chip/", {"field": "downstream"})
    assert 'name="downstream" value="books3" checked' in chip.content.decode()
    nothing = client.get("/editor/entities/search/", {"field": "upstream", "q_upstream": "zzqq"})
    assert "No match." in nothing.content.decode()
    assert client.get("/editor/entities/search/", {"field": "nope"}).status_code == 404
    # The claim form's own pickers keep their ids and their list.
    claim = client.get("/editor/entities/search/", {"field": "models_named", "q_models_named": "l"})
    assert 'hx-swap="beforeend"' in claim.content.decode()


def test_the_entity_search_is_for_the_workspace_only(world: World, mallory: Any) -> None:
    url = "/editor/entities/search/?field=upstream&q_upstream=boo"
    assert Client().get(url).status_code == 302
    assert _client(mallory).get(url).status_code == 403


def test_without_javascript_search_then_pick_then_save(world: World, carol: Any) -> None:
    client = _client(carol)
    base = {**EVIDENCE, "kind": "membership", "q_upstream": "sea", "q_downstream": ""}
    searched = client.post(NEW, {**base, "action": "search:upstream"})
    html = searched.content.decode()
    assert searched.status_code == 200 and "The relation was not added" not in html
    assert f'value="pick:upstream:{world.book.pk}"' in html and "This field is required" not in html
    picked = client.post(NEW, {**base, "action": f"pick:upstream:{world.book.pk}"})
    html = picked.content.decode()
    assert picked.status_code == 200
    assert 'name="upstream" value="the-sea-inside" checked' in html
    assert 'name="q_upstream" value=""' in html  # the box is cleared once picked
    # The dataset is typed and never picked: its name is read as typed.
    saved = client.post(NEW, {**base, "action": "save", "upstream": "the-sea-inside",
                              "q_upstream": "", "q_downstream": "The Pile"})  # fmt: skip
    assert saved.status_code == 302
    assert (
        Relation.objects.get(upstream=world.book, downstream=world.pile).claim.created_by == carol
    )
    assert Claim.objects.filter(created_by=carol).count() == 1  # the steps wrote nothing


def test_typed_text_replaces_a_pick_without_javascript_but_not_with_htmx(
    world: World, alice: Any
) -> None:
    fields = {**EVIDENCE, "action": "save", "kind": "membership", "upstream": "the-sea-inside",
              "downstream": "books3", "q_downstream": "the pile"}  # fmt: skip
    assert _client(alice).post(NEW, fields).status_code == 302
    assert Relation.objects.filter(upstream=world.book, downstream=world.pile).exists()
    fields["upstream"] = "ana-writer"
    response = _client(alice).post(NEW, fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 204  # htmx: the box only searched, the pick stands
    assert Relation.objects.filter(upstream=world.author, downstream=world.books3).exists()


def test_an_empty_save_on_a_claim_marks_what_is_missing_not_the_optional_evidence(
    world: World, carol: Any
) -> None:
    """Issue 12 review: the evidence is optional on an existing claim, so an invalid save
    must not mark its address and summary "required" (with htmx or without)."""
    claim = ClaimFactory(created_by=carol, draft=True)
    url = f"/editor/claims/{claim.slug}/relations/new/"
    empty = {
        "action": "submit",
        "q_upstream": "",
        "q_downstream": "",
        "evidence-url": "",
        "evidence-kind": "research",
        "evidence-stance": "supports",
        "evidence-summary": "",
    }
    for headers, status in (({}, 400), ({"HTTP_HX_REQUEST": "true"}, 200)):
        response = _client(carol).post(url, empty, **headers)
        html = response.content.decode()
        assert response.status_code == status and 'id="relation-errors"' in html
        assert html.count("This field is required") == 3  # kind, From and To
        evidence = html[html.index('id="id_evidence-url"') :]
        assert "This field is required" not in evidence.split("</fieldset>")[0]
    # An address given makes it evidence: then its summary is required.
    response = _client(carol).post(url, {**empty, "evidence-url": "https://papers.example/a"})
    assert "This field is required" in response.content.decode().split('id="id_evidence-url"')[1]
    assert not Relation.objects.filter(claim=claim).exists()


def test_without_javascript_a_search_on_one_end_keeps_the_other_ends_results(
    world: World, carol: Any
) -> None:
    """Issue 12 review: "From" searched and not yet picked, then "To" searched: the "From"
    results stay listed (and a pick already made stays picked)."""
    client = _client(carol)
    base = {**EVIDENCE, "kind": "membership", "q_upstream": "sea", "q_downstream": "boo"}
    html = client.post(NEW, {**base, "action": "search:downstream"}).content.decode()
    assert f'value="pick:upstream:{world.book.pk}"' in html
    assert f'value="pick:downstream:{world.books3.pk}"' in html
    assert 'name="q_upstream" value="sea"' in html and "This field is required" not in html
    picked = {**base, "upstream": "the-sea-inside", "q_upstream": ""}
    html = client.post(NEW, {**picked, "action": "search:downstream"}).content.decode()
    assert 'name="upstream" value="the-sea-inside" checked' in html
    assert f'value="pick:upstream:{world.book.pk}"' not in html  # picked: nothing to list


def test_an_ambiguous_typed_name_asks_for_the_slug(world: World, alice: Any) -> None:
    EntityFactory(kind=EntityKind.WORK, name="Twin", slug="twin-book")
    EntityFactory(kind=EntityKind.CREATOR, name="Twin", slug="twin-author")
    response = _client(alice).post(NEW, {**EVIDENCE, "action": "save", "kind": "membership",
                                         "q_upstream": "twin", "downstream": "books3"})  # fmt: skip
    assert response.status_code == 400
    assert "Several entities are named “twin”: give the slug." in response.content.decode()


# --- (c) editing -------------------------------------------------------------------------


def test_the_author_edits_her_draft_relation_and_it_is_audited(world: World, carol: Any) -> None:
    relation = _mine(carol, kind=RelationKind.USE, upstream=world.books3,
                     downstream=world.llama, attribution="alleged")  # fmt: skip
    url = f"/editor/relations/{relation.pk}/edit/"
    client = _client(carol)
    page = client.get(url).content.decode()
    assert 'name="upstream" value="books3" checked' in page and "Why this change" in page
    assert f'href="{url}"' in client.get(f"/editor/claims/{relation.claim.slug}/").content.decode()
    response = client.post(url, {"action": "save", "kind": "use", "upstream": "books3",
                                 "downstream": "llama-chat", "stage": "finetuning",
                                 "attribution": "declared"})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/editor/claims/{relation.claim.slug}/#relations"
    relation.refresh_from_db()
    assert (relation.downstream, relation.stage, relation.attribution) == (
        world.llama_chat, "finetuning", "declared")  # fmt: skip
    entry = _entries("relation.change", relation.pk).get()
    assert entry.actor == carol
    assert entry.before == {"claim": relation.claim.slug, "downstream": "llama",
                            "stage": "unknown", "attribution": "alleged"}  # fmt: skip
    assert entry.after["downstream"] == "llama-chat" and entry.after["stage"] == "finetuning"
    assert _entries("relation.add", relation.pk).get().after["downstream"] == "llama"


def test_who_may_edit_is_who_may_edit_the_claim(
    world: World, carol: Any, dave: Any, mallory: Any, alice: Any
) -> None:
    draft = _mine(carol, kind=RelationKind.MEMBERSHIP, upstream=world.book, downstream=world.pile)
    pending = _mine(carol, PublicationState.PENDING, kind=RelationKind.MEMBERSHIP,
                    upstream=world.author, downstream=world.pile)  # fmt: skip
    edit = "/editor/relations/{}/edit/".format
    post = {
        "action": "save",
        "kind": "membership",
        "upstream": "ana-writer",
        "downstream": "books3",
    }
    assert _client(dave).get(edit(draft.pk)).status_code == 404  # another's draft: not revealed
    assert _client(dave).post(edit(draft.pk), post).status_code == 404
    assert _client(mallory).get(edit(draft.pk)).status_code == 403  # no role
    assert Client().get(edit(draft.pk)).status_code == 302  # to the log-in page
    assert _client(carol).get(edit(pending.pk)).status_code == 403  # her own, past the draft
    assert _client(carol).post(edit(pending.pk), post).status_code == 403
    assert _client(carol).get(edit(world.used.pk)).status_code == 403  # published, not hers
    assert _client(alice).get(edit(999999)).status_code == 404
    assert not AuditEntry.objects.filter(action="relation.change").exists()
    pending.refresh_from_db()
    assert pending.upstream == world.author


def test_a_published_relation_is_changed_only_with_a_reason(world: World, alice: Any) -> None:
    url = f"/editor/relations/{world.alleged.pk}/edit/"
    client = _client(alice)
    assert "The claim is published: say why" in client.get(url).content.decode()
    fields = {"action": "save", "kind": "use", "upstream": "books3", "downstream": "llama",
              "stage": "pretraining", "attribution": "alleged"}  # fmt: skip
    silent = client.post(url, fields)
    assert silent.status_code == 400 and "This field is required." in silent.content.decode()
    world.alleged.refresh_from_db()
    assert world.alleged.stage == "unknown"
    said = client.post(url, {**fields, "reason": "The leak lists it under pre-training."})
    assert said.status_code == 302
    world.alleged.refresh_from_db()
    assert world.alleged.stage == "pretraining"
    entry = _entries("relation.change", world.alleged.pk).get()
    assert entry.reason == "The leak lists it under pre-training." and entry.actor == alice
    assert world.alleged.claim.state == PublicationState.PUBLISHED  # its state is untouched


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "membership", "upstream": "llama", "downstream": "books3"},
         "A membership goes from a work, a creator or an organization"),
        ({"kind": "derivation", "upstream": "books3", "downstream": "books3"},
         "A relation joins two different entities."),
        ({"kind": "use", "upstream": "books3", "downstream": "llama", "stage": "pretraining"},
         "Say whether the developer declared this use or others allege it."),
        ({"kind": "membership", "upstream": "nobody-at-all", "downstream": "books3"},
         "No entity is named “nobody-at-all”."),
        ({"kind": "membership", "upstream": "the-sea-inside", "downstream": "books3",
          "dataset_version": "abc"}, "Select a valid choice."),
        ({"kind": "derivation", "upstream": "the-pile", "downstream": "books3",
          "note": "x" * 301}, "Ensure this value has at most 300 characters"),
    ],
)  # fmt: skip
def test_a_bad_edit_is_a_400_with_its_message_and_changes_nothing(
    world: World, carol: Any, fields: dict[str, str], message: str
) -> None:
    relation = _mine(carol, kind=RelationKind.DERIVATION, upstream=world.books3,
                     downstream=world.pile)  # fmt: skip
    response = _client(carol).post(f"/editor/relations/{relation.pk}/edit/",
                                   {"action": "save", **fields})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 400 and "The relation was not saved" in html
    assert message in html
    relation.refresh_from_db()
    assert (relation.kind, relation.upstream, relation.downstream) == (
        "derivation", world.books3, world.pile)  # fmt: skip


def test_an_edit_into_a_relation_the_claim_already_has_is_refused(world: World, carol: Any) -> None:
    first = _mine(carol, kind=RelationKind.MEMBERSHIP, upstream=world.book, downstream=world.pile)
    second = relation_add(claim=first.claim, actor=carol, kind=RelationKind.MEMBERSHIP,
                          upstream=world.author, downstream=world.pile)  # fmt: skip
    response = _client(carol).post(f"/editor/relations/{second.pk}/edit/", {
        "action": "save", "kind": "membership", "upstream": "the-sea-inside",
        "downstream": "the-pile"})  # fmt: skip
    assert response.status_code == 400
    assert "This claim already asserts that relation." in response.content.decode()


def test_htmx_swaps_the_edit_form_in_place(world: World, carol: Any) -> None:
    relation = _mine(
        carol, kind=RelationKind.MEMBERSHIP, upstream=world.book, downstream=world.pile
    )
    url = f"/editor/relations/{relation.pk}/edit/"
    client = _client(carol)
    bad = client.post(url, {"action": "save", "kind": "use", "upstream": "books3",
                            "downstream": "llama"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert bad.status_code == 200 and bad.content.decode().startswith("<form")
    good = client.post(url, {"action": "save", "kind": "membership", "upstream": "ana-writer",
                             "downstream": "the-pile"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert good.status_code == 204 and good["HX-Redirect"].endswith("#relations")


# --- (d) removing ------------------------------------------------------------------------


def test_the_author_removes_a_draft_relation_and_the_log_keeps_it(
    world: World, carol: Any, dave: Any
) -> None:
    relation = _mine(
        carol, kind=RelationKind.MEMBERSHIP, upstream=world.book, downstream=world.pile
    )
    url = f"/editor/relations/{relation.pk}/remove/"
    assert _client(dave).get(url).status_code == 404
    assert _client(dave).post(url).status_code == 404
    client = _client(carol)
    page = client.get(url)
    assert page.status_code == 200 and "The claim is a draft" in page.content.decode()
    claim_page = client.get(f"/editor/claims/{relation.claim.slug}/").content.decode()
    assert f'href="{url}"' in claim_page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302 and response["Location"].endswith("#relations")
    assert not Relation.objects.filter(pk=relation.pk).exists()
    entry = _entries("relation.remove", relation.pk).get()
    assert entry.actor == carol and entry.before["upstream"] == "the-sea-inside"
    assert entry.before["claim"] == relation.claim.slug
    assert client.post(url).status_code == 404  # gone


def test_removing_from_a_published_claim_withdraws_it_moderators_only(
    world: World, alice: Any, bob: Any, carol: Any
) -> None:
    url = f"/editor/relations/{world.alleged.pk}/remove/"
    # An editor may change a published relation but not withdraw it.
    assert _client(alice).get(url).status_code == 403
    assert _client(alice).post(url, {"reason": "Wrong."}).status_code == 403
    assert _client(carol).post(url, {"reason": "Wrong."}).status_code == 403
    claim_page = _client(alice).get(f"/editor/claims/{world.alleged.claim.slug}/")
    assert f'href="{url}"' not in claim_page.content.decode()
    assert f"/editor/relations/{world.alleged.pk}/edit/" in claim_page.content.decode()
    moderator = _client(bob)
    assert "withdraws it from what readers see" in moderator.get(url).content.decode()
    silent = moderator.post(url, {"reason": "  "})
    assert silent.status_code == 400 and "This field is required." in silent.content.decode()
    assert Relation.objects.filter(pk=world.alleged.pk).exists()
    assert moderator.post(url, {"reason": "The leak was a forgery."}).status_code == 302
    assert not Relation.objects.filter(pk=world.alleged.pk).exists()
    entry = _entries("relation.remove", world.alleged.pk).get()
    assert entry.actor == bob and entry.reason == "The leak was a forgery."
    assert entry.before["attribution"] == "alleged"
    assert Claim.objects.get(pk=world.alleged.claim_id).state == PublicationState.PUBLISHED


def test_a_pending_claims_relation_is_removed_by_an_editor_with_a_reason(
    world: World, alice: Any, carol: Any
) -> None:
    relation = _mine(carol, PublicationState.PENDING, kind=RelationKind.MEMBERSHIP,
                     upstream=world.book, downstream=world.pile)  # fmt: skip
    url = f"/editor/relations/{relation.pk}/remove/"
    assert _client(carol).get(url).status_code == 403  # no longer hers to change
    assert _client(alice).post(url, {"reason": ""}).status_code == 400
    assert _client(alice).post(url, {"reason": "Duplicate of #12."}).status_code == 302
    assert _entries("relation.remove", relation.pk).get().reason == "Duplicate of #12."


def test_the_edit_and_remove_pages_read_in_french(world: World, carol: Any, bob: Any) -> None:
    relation = _mine(
        carol, kind=RelationKind.MEMBERSHIP, upstream=world.book, downstream=world.pile
    )
    client = _client(carol)
    page = client.get(f"/fr/editor/relations/{relation.pk}/edit/").content.decode()
    assert "Modifier une relation" in page and "Chercher par nom ou identifiant" in page
    assert "Choisissez le jeu de données dans « À »" not in page  # The Pile is picked
    assert "The Pile n’a pas encore d’index importé." in page
    remove = client.get(f"/fr/editor/relations/{relation.pk}/remove/").content.decode()
    assert "Retirer une relation" in remove and "L’affirmation est un brouillon" in remove
    published = _client(bob).post(
        f"/fr/editor/relations/{world.alleged.pk}/edit/",
        {"action": "save", "kind": "use", "upstream": "books3", "downstream": "llama",
         "stage": "evaluation", "attribution": "alleged"},
    )  # fmt: skip
    html = published.content.decode()
    assert published.status_code == 400
    assert "La relation n’a pas été enregistrée" in html and "dites pourquoi" in html


@pytest.mark.parametrize(
    "fields",
    [
        {"q_upstream": "bo\x00oks", "action": "save"},
        {"q_upstream": "x" * 5000, "action": "save"},
        {"action": "pick:upstream:99999999999999999999999"},
        {"action": "pick:nowhere:1"},
        {"action": "search:upstream", "q_upstream": "\x00"},
        {"action": "save", "dataset_version": "99999999999999999999999"},
        {"action": "save", "kind": "use", "stage": "sideways", "attribution": "rumoured"},
    ],
)
def test_odd_input_is_never_a_500(world: World, carol: Any, fields: dict[str, str]) -> None:
    relation = _mine(
        carol, kind=RelationKind.MEMBERSHIP, upstream=world.book, downstream=world.pile
    )
    base = {"kind": "membership", "upstream": "the-sea-inside", "downstream": "books3"}
    client = _client(carol)
    for url in (NEW, f"/editor/relations/{relation.pk}/edit/"):
        response = client.post(url, {**EVIDENCE, **base, **fields})
        assert response.status_code in (200, 400), (url, response.status_code)
    versions = client.get(
        "/editor/relations/versions/", {"downstream": fields.get("q_upstream", "")}
    )
    assert versions.status_code in (200, 400)  # a NUL in an address is refused by the site


def test_the_claim_history_shows_its_relations_changes(world: World, carol: Any, bob: Any) -> None:
    relation = _mine(
        carol, kind=RelationKind.MEMBERSHIP, upstream=world.book, downstream=world.pile
    )
    client = _client(carol)
    assert client.post(f"/editor/relations/{relation.pk}/edit/", {
        "action": "save", "kind": "membership", "upstream": "ana-writer",
        "downstream": "the-pile"}).status_code == 302  # fmt: skip
    url = f"/editor/claims/{relation.claim.slug}/history/"
    html = client.get(url).content.decode()
    assert "Changes to its relations" in html and "Relation changed" in html
    assert "the-sea-inside" in html and "ana-writer" in html and "Relation added" in html
    removed = _client(bob).post(f"/editor/relations/{world.alleged.pk}/remove/",
                                {"reason": "A forged spreadsheet."})  # fmt: skip
    assert removed.status_code == 302
    html = _client(bob).get(f"/editor/claims/{world.alleged.claim.slug}/history/").content.decode()
    assert "Relation removed" in html and "A forged spreadsheet." in html
    french = client.get("/fr" + url).content.decode()
    assert "Relation modifiée" in french and "Modifications de ses relations" in french


def test_the_django_admin_audits_its_relation_changes(world: World, admin_client: Client) -> None:
    relation = world.alleged
    url = f"/admin/graph/relation/{relation.pk}/change/"
    assert admin_client.get(url).status_code == 200
    fields = {"claim": relation.claim_id, "kind": "use", "upstream": world.books3.pk,
              "downstream": world.llama.pk, "dataset_version": "", "stage": "evaluation",
              "attribution": "alleged", "note": "", "position": 0}  # fmt: skip
    assert admin_client.post(url, fields).status_code == 302
    entry = _entries("relation.change", relation.pk).get()
    assert entry.before["stage"] == "unknown" and entry.after["stage"] == "evaluation"
    assert entry.reason == "changed in the Django admin"
    delete = f"/admin/graph/relation/{relation.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert _entries("relation.remove", relation.pk).get().before["downstream"] == "llama"
