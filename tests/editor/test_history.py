"""Change history: who, when, which fields, before and after; restoring a field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from app.catalog import services
from app.catalog.choices import PublicationState
from app.catalog.models import Evidence
from tests.factories import EntityFactory, ModelEntityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(alice: Any) -> Any:
    claim = services.claim_create(
        actor=alice, statement="Sora was trained on Minecraft footage.", summary="First words."
    )
    return claim


def test_the_history_lists_who_changed_which_field_before_and_after(
    client: Client, alice: Any, bob: Any, claim: Any
) -> None:
    services.claim_update(claim=claim, actor=bob, summary="Second words.", first_seen=None)
    client.force_login(alice)
    page = client.get(reverse("editor:claim_history", args=[claim.slug]))
    assert page.status_code == 200
    text = page.text
    assert "Bob Moderator" in text and "Alice Editor" in text
    row = text[text.index('data-field="summary"') :]
    assert "First words." in row and "Second words." in row
    assert "Restore the earlier value" in row


def test_restoring_a_field_puts_the_old_value_back_as_a_new_change(
    client: Client, alice: Any, bob: Any, claim: Any
) -> None:
    services.claim_update(claim=claim, actor=bob, summary="Vandalized.")
    original = claim.history.order_by("history_date", "history_id").first()
    client.force_login(alice)
    response = client.post(
        reverse("editor:claim_restore", args=[claim.slug, original.history_id]),
        {"field": "summary"},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.summary == "First words."
    latest = claim.history.first()
    assert latest.history_user == alice
    assert latest.history_change_reason.startswith("restored summary from ")
    assert claim.history.count() == 3  # created, vandalized, restored


def test_state_and_verdict_cannot_be_restored_from_history(
    client: Client, alice: Any, claim: Any
) -> None:
    record = claim.history.first()
    client.force_login(alice)
    for field in ("state", "verdict", "created_by", "slug"):
        client.post(
            reverse("editor:claim_restore", args=[claim.slug, record.history_id]), {"field": field}
        )
    claim.refresh_from_db()
    assert claim.state == PublicationState.DRAFT and claim.history.count() == 1


def test_a_version_of_another_claim_cannot_be_restored(
    client: Client, alice: Any, claim: Any
) -> None:
    other = services.claim_create(actor=alice, statement="Another claim about other data.")
    record = other.history.first()
    client.force_login(alice)
    response = client.post(
        reverse("editor:claim_restore", args=[claim.slug, record.history_id]),
        {"field": "statement"},
    )
    assert response.status_code == 404


def test_changes_to_named_entities_show_in_the_history(
    client: Client, alice: Any, claim: Any
) -> None:
    sora, minecraft = ModelEntityFactory(name="Sora"), EntityFactory(name="Minecraft")
    services.claim_update(claim=claim, actor=alice, models=[sora], content=[minecraft])
    client.force_login(alice)
    text = client.get(reverse("editor:claim_history", args=[claim.slug])).text
    assert 'data-field="models_named"' in text and "Sora" in text
    assert 'data-field="content_named"' in text and "Minecraft" in text


def test_evidence_history_shows_time_ranges_and_restores_them(
    client: Client, alice: Any, claim: Any
) -> None:
    item = services.evidence_add(
        claim=claim, actor=alice, url="https://video.example/v", kind="output_comparison",
        stance="supports", summary="Frames match.", time_start=Decimal("12"), time_end=Decimal("20"),
    ).evidence  # fmt: skip
    services.evidence_update(
        item=item, actor=alice, time_start=Decimal("62"), time_end=Decimal("80")
    )
    client.force_login(alice)
    text = client.get(reverse("editor:evidence_history", args=[item.pk])).text
    assert "00:12" in text and "01:02" in text
    first = item.history.order_by("history_date", "history_id").first()
    # Restoring only the end would put it before the start: refused with a message.
    response = client.post(
        reverse("editor:evidence_restore", args=[item.pk, first.history_id]),
        {"field": "time_end"},
        follow=True,
    )
    assert "end before the start" in response.text
    client.post(
        reverse("editor:evidence_restore", args=[item.pk, first.history_id]),
        {"field": "time_start"},
    )
    client.post(
        reverse("editor:evidence_restore", args=[item.pk, first.history_id]), {"field": "time_end"}
    )
    item = Evidence.objects.get(pk=item.pk)
    assert (item.time_start, item.time_end) == (Decimal("12"), Decimal("20"))


def test_a_contributor_reads_but_cannot_restore_a_published_claims_history(
    client: Client, carol: Any, bob: Any, claim: Any
) -> None:
    services.claim_publish(claim=claim, actor=bob)
    record = claim.history.order_by("history_date", "history_id").first()
    client.force_login(carol)
    page = client.get(reverse("editor:claim_history", args=[claim.slug]))
    assert page.status_code == 200 and "Restore the earlier value" not in page.text
    response = client.post(
        reverse("editor:claim_restore", args=[claim.slug, record.history_id]), {"field": "summary"}
    )
    assert response.status_code == 403
