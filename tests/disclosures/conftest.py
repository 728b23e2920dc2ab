from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.public.cache import bump_version


@pytest.fixture(autouse=True)
def fresh_page_cache() -> Iterator[None]:
    """A rolled-back test leaves no cached page behind for the next one."""
    bump_version()
    yield
    bump_version()
