from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from app.public.cache import bump_version


@pytest.fixture(autouse=True)
def fresh_page_cache() -> Iterator[None]:
    """A rolled-back test leaves no cached page behind for the next one.

    Bumping the version (not cache.clear()) keeps other runs' Redis keys, such
    as a Celery queue on the same Redis database, untouched.
    """
    bump_version()
    yield
    bump_version()


@pytest.fixture
def demo(db: None, django_capture_on_commit_callbacks: Any) -> None:
    # Search indexing of the finished captures runs after commit, as in production.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
