"""The claim editor: create and edit, pick entities, create one inline, preview Markdown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import Claim, Entity
from tests.factories import ClaimFactory, EntityFactory, ModelEntityFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def claim_data(**extra: Any) -> dict[str, Any]:
    data = {
        "statement": "Sora was trained on Minecraft gameplay footage.",
        "summary": "Reports compare **Sora** clips with Minecraft.",
        "language": "en",
        "developer_response": "not_contacted",
        "first_seen": "2024-12-10",
    }
    data.update(extra)
    return data


def test_an_editor_creates_a_draft_claim_naming_models_and_content(
    client: Client, alice: Any
) -> None:
    sora, minecraft = ModelEntityFactory(name="Sora"), EntityFactory(name="Minecraft")
    client.force_login(alice)
    response = client.post(
        reverse("editor:claim_new"),
        claim_data(models_named=[sora.pk], content_named=[minecraft.pk], action="save"),
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("editor:claim", args=[claim.slug])
    assert claim.state == PublicationState.DRAFT
    assert claim.created_by == alice
    assert list(claim.models_named.all()) == [sora]
    assert list(claim.content_named.all()) == [minecraft]
    assert claim.history.first().history_user == alice


def test_an_editor_submits_for_review_and_a_publisher_publishes(
    client: Client, alice: Any, pat: Any
) -> None:
    client.force_login(alice)
    client.post(reverse("editor:claim_new"), claim_data(action="submit"))
    assert Claim.objects.get().state == PublicationState.PENDING
    client.force_login(pat)
    client.post(
        reverse("editor:claim_new"),
        claim_data(statement="Sora saw Twitch streams too.", action="submit"),
    )
    published = Claim.objects.get(created_by=pat)
    assert published.state == PublicationState.PUBLISHED and published.published_at


def test_a_model_entity_created_inline_without_javascript_is_added_to_the_form(
    client: Client, alice: Any
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("editor:claim_new"),
        claim_data(**{
            "action": "create:models_named",
            "new_models_named-name": "Sora",
            "new_models_named-kind": "model",
            "new_models_named-developer": "OpenAI",
        }),
    )  # fmt: skip
    assert response.status_code == 200
    sora = Entity.objects.get(name="Sora")
    assert sora.kind == EntityKind.MODEL and sora.developer.name == "OpenAI"
    assert sora.developer.kind == EntityKind.ORGANIZATION
    assert f'name="models_named" value="{sora.pk}" checked' in response.text
    assert 'value="Sora was trained on Minecraft gameplay footage."' in response.text
    saved = client.post(
        reverse("editor:claim_new"), claim_data(models_named=[sora.pk], action="save")
    )
    assert saved.status_code == 302
    assert list(Claim.objects.get().models_named.all()) == [sora]


def test_creating_an_entity_that_exists_reuses_it(client: Client, alice: Any) -> None:
    minecraft = EntityFactory(name="Minecraft")
    client.force_login(alice)
    response = client.post(
        reverse("editor:entity_create") + "?field=content_named",
        {"new_content_named-name": "  minecraft ", "new_content_named-kind": "work"},
        **HX,
    )
    assert response.status_code == 200
    assert f'value="{minecraft.pk}" checked' in response.text
    assert Entity.objects.filter(name__iexact="minecraft").count() == 1


def test_inline_creation_with_htmx_returns_a_chip_and_a_fresh_form(
    client: Client, alice: Any
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("editor:entity_create") + "?field=content_named",
        {"new_content_named-name": "Call of Duty", "new_content_named-kind": "work"},
        **HX,
    )
    entity = Entity.objects.get(name="Call of Duty")
    assert f'<label class="chip" data-entity="{entity.pk}">' in response.text
    assert 'hx-swap-oob="true"' in response.text


def test_inline_creation_errors_are_shown_in_place(client: Client, alice: Any) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("editor:entity_create") + "?field=models_named",
        {"new_models_named-name": "", "new_models_named-kind": "work"},
        **HX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#new-entity-models_named"
    assert "This field is required." in response.text
    assert "Select a valid choice" in response.text  # a work is not a model
    assert not Entity.objects.exists()


def test_a_contributor_cannot_create_entities(client: Client, carol: Any) -> None:
    client.force_login(carol)
    response = client.post(
        reverse("editor:entity_create") + "?field=content_named",
        {"new_content_named-name": "Minecraft", "new_content_named-kind": "work"},
        **HX,
    )
    assert response.status_code == 403
    assert not Entity.objects.exists()


def test_search_as_you_type_finds_entities_of_the_right_kind(client: Client, alice: Any) -> None:
    sora = ModelEntityFactory(name="Sora")
    EntityFactory(name="Sora fan art", kind=EntityKind.WORK)
    client.force_login(alice)
    models = client.get(
        reverse("editor:entity_search"), {"field": "models_named", "q_models_named": "sor"}, **HX
    )
    assert f'data-pick="{sora.pk}"' in models.text and "fan art" not in models.text
    content = client.get(
        reverse("editor:entity_search"), {"field": "content_named", "q_content_named": "SORA"}, **HX
    )
    assert "Sora fan art" in content.text
    nothing = client.get(
        reverse("editor:entity_search"), {"field": "content_named", "q_content_named": "zzz"}, **HX
    )
    assert "No match" in nothing.text


def test_search_and_pick_work_without_javascript(client: Client, alice: Any) -> None:
    sora = ModelEntityFactory(name="Sora")
    client.force_login(alice)
    found = client.post(
        reverse("editor:claim_new"), claim_data(q_models_named="sora", action="search:models_named")
    )
    assert f'value="pick:models_named:{sora.pk}"' in found.text
    picked = client.post(
        reverse("editor:claim_new"), claim_data(action=f"pick:models_named:{sora.pk}")
    )
    assert f'name="models_named" value="{sora.pk}" checked' in picked.text


def test_the_summary_preview_is_sanitized(client: Client, alice: Any) -> None:
    client.force_login(alice)
    text = "**bold** <script>alert(1)</script> [x](javascript:alert(2)) [ok](https://example.org)"
    response = client.post(reverse("editor:preview"), {"summary": text}, **HX)
    assert "<strong>bold</strong>" in response.text
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text
    assert 'href="javascript' not in response.text
    assert 'href="https://example.org"' in response.text
    no_js = client.post(reverse("editor:claim_new"), claim_data(summary=text, action="preview"))
    assert "<strong>bold</strong>" in no_js.text and "<script>alert" not in no_js.text


def test_a_script_in_a_saved_summary_is_shown_as_text(client: Client, alice: Any) -> None:
    client.force_login(alice)
    client.post(
        reverse("editor:claim_new"),
        claim_data(summary="<script>alert(1)</script><img src=x onerror=alert(1)>", action="save"),
    )
    claim = Claim.objects.get()
    page = client.get(reverse("editor:claim", args=[claim.slug]))
    assert "<script>alert(1)</script>" not in page.text
    assert "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_bad_claim_is_refused_with_messages(client: Client, alice: Any) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("editor:claim_new"),
        claim_data(
            statement="short", first_seen="not a date", models_named=["999999"], action="save"
        ),
    )
    assert response.status_code == 200
    assert "Write the claim as a full statement." in response.text
    assert "Enter a valid date." in response.text
    assert "Select a valid choice" in response.text
    assert not Claim.objects.exists()


def test_editing_keeps_the_slug_and_records_the_change(client: Client, alice: Any) -> None:
    claim = ClaimFactory(draft=True, created_by=alice, statement="Old statement about Sora data.")
    client.force_login(alice)
    response = client.post(
        reverse("editor:claim_edit", args=[claim.slug]),
        claim_data(statement="New statement about Sora data.", action="save"),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.statement == "New statement about Sora data."
    latest = claim.history.first()
    assert latest.history_user == alice and latest.statement == "New statement about Sora data."
