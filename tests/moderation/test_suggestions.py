"""Public suggestions: anyone may suggest; spam is held off; nothing is fetched before review."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from app.archive.models import Capture
from app.catalog.models import AuditEntry, Claim, Evidence, Source
from app.moderation.intake import status_token
from app.moderation.models import Suggestion
from tests.factories import ClaimFactory, SourceFactory
from tests.moderation.conftest import filled_form_token, logged_in, reader_ip, suggestion_data

pytestmark = pytest.mark.django_db


def test_anyone_can_suggest_a_claim_and_gets_a_private_status_link(reader):
    response = reader.post(
        "/suggest/", suggestion_data(statement="Model Z was trained on radio shows.")
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert response["Location"].endswith(f"/suggest/status/{status_token(suggestion)}/")
    page = reader.get(response["Location"]).content.decode()
    assert "Waiting for review" in page and "Model Z was trained on radio shows." in page
    assert "Keep this private link" in page
    assert suggestion.suggested_by is None and len(suggestion.ip_hash) == 64


def test_a_suggestion_fetches_nothing_until_a_moderator_accepts_it(reader, bob_client):
    reader.post(
        "/suggest/", suggestion_data(url="https://Videos.example/watch?v=abc&utm_source=x#t")
    )
    suggestion = Suggestion.objects.get()
    assert suggestion.normalized_url == "https://videos.example/watch?v=abc"
    assert Source.objects.count() == 0 and Capture.objects.count() == 0
    response = bob_client.post(
        f"/moderation/queue/suggestion/{suggestion.pk}/decide/", {"action": "publish"}
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    source = Source.objects.get(normalized_url="https://videos.example/watch?v=abc")
    assert Capture.objects.get(source=source).status == "queued"
    assert suggestion.status == "accepted" and suggestion.source == source
    claim = suggestion.result_claim
    assert claim.state == "published" and claim.statement == suggestion.statement
    evidence = Evidence.objects.get(claim=claim)
    assert evidence.source == source and evidence.summary == suggestion.summary
    assert evidence.state == "published"
    assert AuditEntry.objects.get(action="suggestion.publish").after["source"] == source.pk


def test_a_moderator_may_accept_a_suggestion_as_pending(reader, bob_client):
    reader.post("/suggest/", suggestion_data())
    suggestion = Suggestion.objects.get()
    bob_client.post(
        f"/moderation/queue/suggestion/{suggestion.pk}/decide/",
        {"action": "accept_pending", "evidence_kind": "output_comparison", "stance": "context"},
    )
    claim = Claim.objects.get()
    assert claim.state == "pending"
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.stance, evidence.state) == (
        "output_comparison",
        "context",
        "pending",
    )
    assert f'value="claim:{claim.pk}"' in bob_client.get("/moderation/").content.decode()


def test_an_evidence_suggestion_is_attached_to_its_claim(reader, bob_client):
    claim = ClaimFactory(slug="sora-minecraft")
    form = reader.get("/suggest/?claim=sora-minecraft").content.decode()
    assert 'value="sora-minecraft"' in form
    response = reader.post(
        "/suggest/",
        suggestion_data(
            kind="evidence", statement="", claim=f"http://testserver/claims/{claim.slug}/"
        ),
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.claim == claim
    bob_client.post(f"/moderation/queue/suggestion/{suggestion.pk}/decide/", {"action": "publish"})
    assert Evidence.objects.get().claim == claim
    assert Claim.objects.count() == 1


def test_an_evidence_suggestion_needs_a_published_claim(reader):
    draft = ClaimFactory(draft=True)
    response = reader.post(
        "/suggest/", suggestion_data(kind="evidence", statement="", claim=draft.slug)
    )
    assert response.status_code == 400
    assert "No published claim has this address." in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_known_address_is_attached_to_its_source_without_telling_the_suggester(reader):
    known = SourceFactory(
        url="https://news.example/known", normalized_url="https://news.example/known"
    )
    response = reader.post(
        "/suggest/",
        suggestion_data(url="https://news.example/known?utm_medium=social"),
        follow=True,
    )
    page = response.content.decode()
    assert "already know" not in page  # docs/moderation.md: known addresses are not revealed
    suggestion = Suggestion.objects.get()
    assert suggestion.source == known and suggestion.was_known
    assert Source.objects.count() == 1 and Capture.objects.count() == 0


def test_the_honeypot_refuses_the_form(reader):
    response = reader.post("/suggest/", suggestion_data(website="http://spam.example"))
    assert response.status_code == 400
    assert "could not be accepted" in response.content.decode()
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("started", "message"),
    [
        (lambda: filled_form_token(seconds_ago=0), "faster than a person can type"),
        (lambda: filled_form_token(seconds_ago=3 * 3600), "This form has expired"),
        (lambda: "forged-token", "expired or was altered"),
        (lambda: "", "expired or was altered"),
    ],
)
def test_a_form_sent_too_fast_stale_or_forged_is_refused(reader, started, message):
    response = reader.post("/suggest/", suggestion_data(started=started()))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("statement", "x" * 401),
        ("summary", "x" * 2001),
        ("url", "https://news.example/" + "a" * 2000),
        ("url", "ftp://files.example/a"),
        ("url", "not an address"),
        ("kind", "anything"),
        ("summary", ""),
    ],
)
def test_oversized_or_bad_fields_are_a_clear_400(reader, field, value):
    response = reader.post("/suggest/", suggestion_data(**{field: value}))
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_flood_from_one_address_queues_a_handful_and_answers_429(bob_client):
    """500 suggestions from one address in a minute: a handful queued, the rest 429, no 500."""
    flooder = Client(REMOTE_ADDR=reader_ip())
    token = filled_form_token()
    statuses: dict[int, int] = {}
    for n in range(500):
        data = suggestion_data(url=f"https://spam.example/{n}", started=token)
        response = flooder.post("/suggest/", data)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 429:
            last_429 = response
    queued = Suggestion.objects.count()
    # 5 a minute; a run that straddles a minute boundary may get a second window.
    assert 1 <= queued <= 10
    assert statuses == {302: queued, 429: 500 - queued}
    assert "Too many submissions" in last_429.content.decode()
    assert last_429["Retry-After"] == "60"
    # Someone else is not affected.
    assert Client(REMOTE_ADDR=reader_ip()).post("/suggest/", suggestion_data()).status_code == 302
    # The queue page stays flat however many suggestions wait.
    with CaptureQueriesContext(connection) as few:
        assert bob_client.get("/moderation/").status_code == 200
    for n in range(20):
        Client(REMOTE_ADDR=reader_ip()).post(
            "/suggest/", suggestion_data(url=f"https://ok.example/{n}")
        )
    assert Suggestion.objects.count() == queued + 21
    with CaptureQueriesContext(connection) as many:
        assert bob_client.get("/moderation/").status_code == 200
    assert len(many) == len(few)


def test_the_rate_limit_also_counts_per_account(carol, rate_limits):
    rate_limits.set("suggest", "3/m")
    codes = []
    for _ in range(5):
        codes.append(
            logged_in(carol).post("/suggest/", suggestion_data()).status_code
        )  # a new address each time
    assert codes == [302, 302, 302, 429, 429]


def test_a_logged_in_suggester_sees_the_decision_on_their_dashboard(carol, bob_client):
    from django.template.loader import render_to_string

    logged_in(carol).post("/suggest/", suggestion_data(statement="Carol's claim"))
    suggestion = Suggestion.objects.get()
    assert suggestion.suggested_by == carol
    bob_client.post(
        f"/moderation/queue/suggestion/{suggestion.pk}/decide/",
        {"action": "reject", "reason_code": "unreliable", "reason_text": "Anonymous forum post."},
    )
    html = render_to_string("moderation/_my_decisions.html", {"user": carol})
    assert "Carol&#x27;s claim" in html
    assert "Unreliable or unverifiable source: Anonymous forum post." in html


def test_the_status_link_shows_the_rejection_reason(reader, bob_client):
    response = reader.post("/suggest/", suggestion_data())
    link = response["Location"]
    suggestion = Suggestion.objects.get()
    bob_client.post(
        f"/moderation/queue/suggestion/{suggestion.pk}/decide/",
        {
            "action": "reject",
            "reason_code": "other",
            "reason_text": "We cover only AI training data.",
        },
    )
    page = reader.get(link).content.decode()
    assert "Rejected" in page and "We cover only AI training data." in page


def test_a_forged_status_token_is_404(reader):
    assert reader.get("/suggest/status/1/").status_code == 404
    assert reader.get("/suggest/status/1:forgedsignature/").status_code == 404
