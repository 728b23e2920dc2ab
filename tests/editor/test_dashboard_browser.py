"""alice's dashboard and claim form in chromium at phone and laptop widths, checked by axe-core."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from django.test import Client

from app.archive.models import CaptureStatus, ErrorClass
from app.catalog.choices import PublicationState
from app.moderation.models import Decision
from tests.browser import check_page
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_and_claim_form_read_at_every_width(browser, live_server, alice):
    ClaimFactory(draft=True, created_by=alice, statement="A draft about Sora and Minecraft.",
                 state_reason="Name the model's version.")  # fmt: skip
    ClaimFactory(state=PublicationState.PENDING, published_at=None, created_by=alice)
    published = ClaimFactory(created_by=alice, statement="Vidgen 2 was trained on speedruns.")
    EvidenceFactory(claim=published, added_by=alice)
    failed = SourceFactory(added_by=alice, title="A page that went away")
    CaptureFactory(source=failed, status=CaptureStatus.FAILED, error_class=ErrorClass.NOT_FOUND)
    CaptureFactory(source=SourceFactory(added_by=alice), status=CaptureStatus.SUCCEEDED)
    Decision.objects.create(item_kind="claim", item_id=published.pk, item_label=published.statement,
                            author=alice, outcome="published")  # fmt: skip
    client = Client()
    client.force_login(alice)
    context = browser.new_context()
    context.add_cookies([{
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])  # fmt: skip
    page = context.new_page()
    check_page(page, f"{live_server.url}/editor/", "editor-dashboard", (390, 1366))
    assert page.locator(f'[data-source="{failed.pk}"]').count() == 1
    check_page(page, f"{live_server.url}/editor/claims/new/", "editor-claim-form", (390, 1366))
    context.close()
