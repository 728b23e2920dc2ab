"""Reader flags: "report a problem" on claims and evidence."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from app.moderation.models import Flag
from tests.factories import ClaimFactory, EvidenceFactory
from tests.moderation.conftest import logged_in, reader_ip

pytestmark = pytest.mark.django_db


def test_a_reader_reports_a_problem_with_a_claim(reader):
    claim = ClaimFactory()
    assert (
        "What is the problem?"
        in reader.get(f"/suggest/report/claim/{claim.slug}/").content.decode()
    )
    response = reader.post(
        f"/suggest/report/claim/{claim.slug}/", {"reason": "outdated", "note": "OpenAI answered."}
    )
    assert response.status_code == 302 and response["Location"] == claim.get_absolute_url()
    flag = Flag.objects.get()
    assert (flag.claim, flag.evidence, flag.reason, flag.note, flag.status) == (
        claim,
        None,
        "outdated",
        "OpenAI answered.",
        "open",
    )


def test_a_reader_reports_a_broken_link_on_evidence(carol):
    evidence = EvidenceFactory()
    response = logged_in(carol).post(
        f"/suggest/report/evidence/{evidence.pk}/", {"reason": "broken_link"}
    )
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert (flag.claim, flag.evidence, flag.reporter) == (evidence.claim, evidence, carol)


def test_drafts_cannot_be_reported_nor_revealed(reader):
    draft = ClaimFactory(draft=True)
    hidden = EvidenceFactory(state="pending", published_at=None)
    assert reader.get(f"/suggest/report/claim/{draft.slug}/").status_code == 404
    assert (
        reader.post(f"/suggest/report/evidence/{hidden.pk}/", {"reason": "wrong"}).status_code
        == 404
    )


def test_a_bad_flag_is_a_clear_400(reader):
    claim = ClaimFactory()
    response = reader.post(
        f"/suggest/report/claim/{claim.slug}/", {"reason": "boring", "note": "x" * 2001}
    )
    assert response.status_code == 400
    assert not Flag.objects.exists()


def test_flags_are_rate_limited(rate_limits):
    rate_limits.set("flag", "3/h")
    claim = ClaimFactory()
    flooder = Client(REMOTE_ADDR=reader_ip())
    codes = [
        flooder.post(f"/suggest/report/claim/{claim.slug}/", {"reason": "wrong"}).status_code
        for _ in range(6)
    ]
    assert codes == [302, 302, 302, 429, 429, 429]
    assert Flag.objects.count() == 3


def test_the_flag_link_partial_points_at_the_report_forms():
    evidence = EvidenceFactory()
    claim_link = render_to_string(
        "moderation/_flag_link.html", {"kind": "claim", "target": evidence.claim}
    )
    evidence_link = render_to_string(
        "moderation/_flag_link.html", {"kind": "evidence", "target": evidence}
    )
    assert f'href="/suggest/report/claim/{evidence.claim.slug}/"' in claim_link
    assert f'href="/suggest/report/evidence/{evidence.pk}/"' in evidence_link
