"""Right of reply: moderators keep the developer's response; readers see its status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils import timezone

from app.archive.models import Capture
from app.catalog.models import AuditEntry, Evidence
from app.moderation.reply import reply_mark_overdue, reply_status
from app.moderation.tasks import mark_no_response
from tests.factories import ClaimFactory
from tests.moderation.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_a_moderator_records_the_contact_and_readers_see_it(bob_client):
    claim = ClaimFactory()
    contacted = timezone.localdate() - timedelta(days=2)
    response = bob_client.post(
        f"/moderation/claims/{claim.pk}/reply/",
        {
            "response": "contacted",
            "contacted_on": contacted.isoformat(),
            "channel": "press@openai.example",
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.developer_response, claim.developer_contacted_on) == ("contacted", contacted)
    html = render_to_string("moderation/_reply_status.html", {"claim": claim})
    assert "Contacted" in html and "press@openai.example" in html
    assert date_filter(contacted, "DATE_FORMAT") in html
    entry = AuditEntry.objects.get(action="reply.change")
    assert entry.before["developer_response"] == "not_contacted"
    assert entry.after["developer_response"] == "contacted"


def test_no_answer_after_the_deadline_reads_as_no_response(settings):
    settings.RIGHT_OF_REPLY_DAYS = 14
    today = date(2026, 3, 20)
    waiting = ClaimFactory(
        developer_response="contacted", developer_contacted_on=today - timedelta(days=14)
    )
    late = ClaimFactory(
        developer_response="contacted", developer_contacted_on=today - timedelta(days=15)
    )
    assert reply_status(waiting, today=today).code == "contacted"
    status = reply_status(late, today=today)
    assert (status.code, status.days_waiting) == ("no_response", 15)
    assert reply_mark_overdue(today=today) == 1
    late.refresh_from_db()
    waiting.refresh_from_db()
    assert (late.developer_response, waiting.developer_response) == ("no_response", "contacted")
    entry = AuditEntry.objects.get(action="reply.no_response")
    assert entry.actor is None and "14 days" in entry.reason


def test_the_periodic_task_marks_overdue_contacts():
    claim = ClaimFactory(developer_response="contacted", developer_contacted_on=date(2020, 1, 1))
    assert mark_no_response.apply().get() == 1
    claim.refresh_from_db()
    assert claim.developer_response == "no_response"


def test_a_reply_becomes_developer_statement_evidence_with_an_archived_source(bob_client):
    claim = ClaimFactory(developer_response="contacted", developer_contacted_on=date(2026, 1, 5))
    response = bob_client.post(
        f"/moderation/claims/{claim.pk}/reply/",
        {
            "response": "replied",
            "statement_url": "https://openai.example/statement",
            "statement_summary": "OpenAI says Sora used publicly available and licensed data.",
            "statement_quote": "publicly available and licensed data",
        },
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.kind, evidence.stance, evidence.state) == (
        "developer_statement",
        "context",
        "published",
    )
    assert evidence.source.normalized_url == "https://openai.example/statement"
    assert Capture.objects.get(source=evidence.source).status == "queued"
    claim.refresh_from_db()
    assert claim.developer_response == "replied"
    assert AuditEntry.objects.get(action="reply.change").after["evidence"] == evidence.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"response": "replied"}, "A reply needs the address of the statement"),
        ({"response": "contacted"}, "Say when the developer was contacted"),
        ({"response": "declined", "statement_url": "https://a.example/"}, "needs both its address"),
        (
            {
                "response": "replied",
                "statement_url": "javascript:alert(1)",
                "statement_summary": "x",
            },
            "Only http",
        ),
        ({"response": "sometimes"}, "Select a valid choice"),
    ],
)
def test_an_incomplete_right_of_reply_step_is_a_clear_400(bob_client, data, message):
    claim = ClaimFactory()
    response = bob_client.post(f"/moderation/claims/{claim.pk}/reply/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    claim.refresh_from_db()
    assert claim.developer_response == "not_contacted"


def test_only_moderators_keep_the_right_of_reply(alice):
    claim = ClaimFactory()
    response = logged_in(alice).post(
        f"/moderation/claims/{claim.pk}/reply/", {"response": "declined"}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_no_response_without_a_contact_date_never_says_not_contacted():
    claim = ClaimFactory(developer_response="no_response", developer_contacted_on=None)
    html = render_to_string("moderation/_reply_status.html", {"claim": claim})
    assert "The developer has not responded." in html
    assert "not been contacted" not in html
