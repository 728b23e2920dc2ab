from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def isolated_ratelimits(settings: Any) -> None:
    """Rate-limit counters of this test only: a fresh cache prefix per test, so runs
    sharing a Redis (or tests sharing an address) never count each other's requests."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex[:12]}:"
