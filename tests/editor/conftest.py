from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def isolated_ratelimits(settings: Any) -> None:
    """Rate-limit counters of this test only: a fresh cache prefix per test, so runs
    sharing a Redis (or tests sharing an address) never count each other's requests."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def pat(db: None) -> Any:
    """pat, an editor who also holds "publish directly"."""
    from django.contrib.auth.models import Group, Permission

    from app.accounts.models import User

    user = User.objects.create_user(
        username="pat", email="pat@example.org", password="correct horse battery"
    )
    user.groups.add(Group.objects.get(name="editor"))
    user.user_permissions.add(Permission.objects.get(codename="publish_directly"))
    return user
