"""The Django admin opens for every model an admin works with, on the demo data."""

from __future__ import annotations

import pytest
from django.core.management import call_command

ADMIN_PAGES = [
    "/admin/",
    "/admin/catalog/claim/",
    "/admin/catalog/claim/{claim}/change/",
    "/admin/catalog/claim/{claim}/history/",
    "/admin/catalog/evidence/?state=published",
    "/admin/catalog/source/?q=demo",
    "/admin/catalog/entity/?q=sora",
    "/admin/catalog/verdictchange/",
    "/admin/archive/capture/",
    "/admin/archive/capture/{capture}/change/",
    "/admin/archive/artifact/?kind=warc",
    "/admin/accounts/user/",
    "/admin/accounts/apitoken/",
    "/admin/catalog/auditentry/",
    "/admin/monitor/linkcheck/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("template", ADMIN_PAGES)
def test_an_admin_can_open_every_admin_page(client, admin_user, template):
    from app.archive.models import Capture
    from app.catalog.models import Claim

    call_command("seed_demo")
    client.force_login(admin_user)
    path = template.format(claim=Claim.objects.first().pk, capture=Capture.objects.first().pk)
    response = client.get(path)
    assert response.status_code == 200, path


@pytest.mark.django_db
def test_outsiders_are_sent_to_the_admin_login(client, mallory):
    client.force_login(mallory)
    response = client.get("/admin/catalog/claim/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
