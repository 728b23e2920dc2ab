"""The workspace's comparison pages, without a browser: record, refuse, watch, review, attach."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from app.catalog.choices import EvidenceKind, PublicationState
from app.catalog.models import Evidence
from app.compare.models import Comparison, InputRole, RunStatus
from tests.compare.conftest import Clips
from tests.compare.helpers import METHOD, archived, make_comparison
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

PROMPT = "  a first-person video of a blocky survival game,\nwith the hotbar  "


def form_data(output: Any, cited: Any, **change: Any) -> dict[str, Any]:
    data = {
        "summary": "The output shows the cited stream's hotbar.",
        "stance": "supports",
        "output": output.pk,
        "cited": cited.pk,
        "cited_ranges": "00:06–00:15",
        "model_name": "Demo video model",
        "model_version": "2026-01",
        "generated_on": "2026-01-15",
        "prompt": PROMPT,
        "prompt_class": "leading",
        "attempts": "10",
        "resembling": "3",
        "settings": '{"duration": "5s"}',
        "c2pa": "none found",
        "seed": "7",
    }
    data.update(change)
    return data


@pytest.fixture
def videos(clips: Clips) -> dict[str, Any]:
    return {
        "output": archived(clips.element_output),
        "cited": archived(clips.source),
        "control": archived(clips.same_genre_plain),
    }


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_records_a_comparison_as_a_draft_evidence_item_and_its_run_is_queued(
    alice: Any, videos: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    claim = ClaimFactory()
    client = signed_in(alice)
    page = client.get(f"/editor/claims/{claim.slug}/comparisons/new/")
    assert page.status_code == 200
    assert b"Prompt, verbatim" in page.content and b"failures included" in page.content
    data = form_data(videos["output"], videos["cited"], same_genre=[videos["control"].pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/editor/claims/{claim.slug}/comparisons/new/", data)
    assert response.status_code == 302
    comparison = Comparison.objects.get()
    assert response["Location"] == f"/editor/comparisons/{comparison.pk}/"
    assert len(callbacks) >= 1  # the run is sent after commit
    assert comparison.status == RunStatus.QUEUED
    assert comparison.prompt == PROMPT  # verbatim, spaces and line break kept
    assert (comparison.prompt_class, comparison.attempts, comparison.resembling) == (
        "leading", 10, 3)  # fmt: skip
    assert comparison.generation_settings == {"duration": "5s"}
    roles = {(i.role, i.video_id, tuple(map(tuple, i.ranges))) for i in comparison.inputs.all()}
    assert roles == {
        (InputRole.CITED, videos["cited"].pk, ((6.0, 15.0),)),
        (InputRole.SAME_GENRE, videos["control"].pk, ()),
    }
    item = comparison.evidence
    assert item.kind == EvidenceKind.OUTPUT_COMPARISON and item.claim == claim
    assert item.state == PublicationState.DRAFT and item.added_by == alice
    assert item.source == videos["output"].capture.source


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"attempts": "3", "resembling": "4"}, "k between 0 and n"),
        ({"attempts": "0"}, "greater than or equal to 1"),
        ({"prompt": "   "}, "Give the prompt verbatim"),
        ({"cited_ranges": "00:20–00:10"}, "start must come before the end"),
        ({"cited_ranges": "sometime"}, "is not a range"),
        ({"settings": "[1, 2]"}, "JSON object"),
        ({"prompt_class": "sneaky"}, "Select a valid choice"),
    ],
)
def test_a_record_that_hides_attempts_or_is_malformed_is_a_400_and_nothing_is_saved(
    alice: Any, videos: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    claim = ClaimFactory()
    data = form_data(videos["output"], videos["cited"], **change)
    response = signed_in(alice).post(f"/editor/claims/{claim.slug}/comparisons/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comparison.objects.exists()
    assert not Evidence.objects.filter(kind=EvidenceKind.OUTPUT_COMPARISON, claim=claim).exists()


def test_the_output_cannot_be_its_own_cited_footage(alice: Any, videos: dict[str, Any]) -> None:
    claim = ClaimFactory()
    data = form_data(videos["output"], videos["output"])
    response = signed_in(alice).post(f"/editor/claims/{claim.slug}/comparisons/new/", data)
    assert response.status_code == 400 and b"cannot be the output itself" in response.content


def test_outsiders_cannot_record_or_watch_a_comparison(
    clips: Clips,
    alice: Any,
    carol: Any,
    dave: Any,
    mallory: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice)  # on a published claim
    draft = ClaimFactory(draft=True, created_by=carol)
    manage = f"/editor/comparisons/{comparison.pk}/"
    assert Client().get(manage).status_code == 302  # to the log-in page
    assert signed_in(mallory).get(manage).status_code == 403  # no role
    assert signed_in(dave).get(manage).status_code == 403  # sees the evidence, may not change it
    assert signed_in(dave).get(f"/editor/claims/{draft.slug}/comparisons/new/").status_code == 404
    for action in ("review", "wording", "attach"):
        assert signed_in(dave).post(f"{manage}{action}/").status_code == 403
    assert signed_in(alice).get(f"/editor/comparisons/{comparison.pk + 999}/").status_code == 404


def test_the_status_badge_polls_until_the_run_is_final(
    clips: Clips, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice)
    client = signed_in(alice)
    manage = f"/editor/comparisons/{comparison.pk}/"
    badge = client.get(manage, HTTP_HX_REQUEST="true").content.decode()
    assert badge.lstrip().startswith('<div id="run-status"') and 'hx-trigger="every 2s"' in badge
    assert "<html" not in badge
    Comparison.objects.filter(pk=comparison.pk).update(
        status=RunStatus.FAILED, error_text="cannot open the output", finished_at=timezone.now()
    )
    final = client.get(manage, HTTP_HX_REQUEST="true")
    badge = final.content.decode()
    assert "hx-trigger" not in badge and "cannot open the output" in badge
    assert final["HX-Refresh"] == "true"  # the polling page reloads whole, once
    page = client.get(manage).content.decode()  # without htmx: the whole page, same badge
    assert "<html" in page and "cannot open the output" in page


def test_attaching_needs_a_finished_run_and_two_reviews_then_publishes_through_the_one_writer(
    clips: Clips, alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    claim = ClaimFactory()  # published
    with django_capture_on_commit_callbacks(execute=False):
        comparison = make_comparison(clips, alice)
    Evidence.objects.filter(pk=comparison.evidence_id).update(
        claim=claim, state=PublicationState.DRAFT, added_by=alice
    )
    client = signed_in(alice)
    manage = f"/editor/comparisons/{comparison.pk}/"
    refused = client.post(f"{manage}attach/")
    assert refused.status_code == 400 and b"Only a finished comparison" in refused.content
    assert client.post(f"{manage}review/").status_code == 400  # not finished: nothing to review

    Comparison.objects.filter(pk=comparison.pk).update(
        status=RunStatus.SUCCEEDED, system_rung=3, manifest_sha256="a" * 64,
        result={"finding": {"element": "element-1", "source_time": 5.0}},
    )  # fmt: skip
    assert client.post(f"{manage}review/", {"note": "checked the hotbar"}).status_code == 302
    refused = client.post(f"{manage}attach/")
    assert refused.status_code == 400 and b"Two different editors" in refused.content
    assert signed_in(bob).post(f"{manage}review/").status_code == 302

    # The wording may be lowered, with a reason, never raised.
    assert client.post(f"{manage}wording/", {"rung": "4", "reason": "x"}).status_code == 400
    assert client.post(f"{manage}wording/", {"rung": "2", "reason": ""}).status_code == 400
    lowered = client.post(f"{manage}wording/", {"rung": "2", "reason": "a generic hotbar"})
    assert lowered.status_code == 302
    assert Comparison.objects.get(pk=comparison.pk).rung == 2

    assert client.post(f"{manage}attach/").status_code == 302
    item = Evidence.objects.get(pk=comparison.evidence_id)
    assert "a" * 64 in item.method_note and METHOD.prompt in item.method_note
    assert "3 of 10 attempts" in item.method_note
    assert item.state == PublicationState.PENDING  # alice may not publish directly
    page = client.get(manage).content.decode()
    assert "Attached to its evidence item" in page
