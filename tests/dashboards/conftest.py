from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.public.cache import bump_version


@pytest.fixture(autouse=True)
def fresh_page_cache() -> Iterator[None]:
    """No cached page or memoized numbers left behind by a rolled-back test (see tests/public)."""
    bump_version()
    yield
    bump_version()
