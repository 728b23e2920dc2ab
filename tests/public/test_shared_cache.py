"""The embedded default (`make run`: no Redis) shares its cache between processes.

The web process, the Celery worker and every ``manage.py`` command read the same
cache (files, app/core/filecache.py): a change made in another process reaches
the web process's next request, as with Redis. With the local-memory cache it
did not: a claim withdrawn from a shell or by the worker stayed on its cached
page for ``CACHE_PAGE_SECONDS``, and the worker's renders landed in its own memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from app.catalog.services import claim_update
from tests.conftest import ROOT, wait_for, worker_env
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def embedded_cache(settings: Any, tmp_path: Path) -> dict[str, str]:
    """The embedded default's cache in this process (also when the run has Redis), and
    the environment that gives it to another process."""
    location = tmp_path / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "app.core.filecache.SharedFileCache",
            "LOCATION": str(location),
            "KEY_PREFIX": os.environ["CACHE_KEY_PREFIX"],
            "OPTIONS": {"MAX_ENTRIES": 3000},
        }
    }
    settings.CACHE_PAGE_SECONDS = 300
    env = worker_env({"CACHE_DIR": str(location), "CACHE_PAGE_SECONDS": "300"})
    env.pop("REDIS_URL", None)
    return env


def read(path: str) -> tuple[int, str, int]:
    """An anonymous reader's status, page and database queries."""
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path)
    return response.status_code, response.content.decode(), len(queries)


def shell(env: dict[str, str], code: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_claim_withdrawn_from_a_shell_is_gone_from_the_next_page(embedded_cache, bob):
    ClaimFactory(slug="shared", statement="Vidgen was trained on the withdrawn game.")
    status, page, _ = read("/claims/shared/")
    assert status == 200 and "application/ld+json" in page
    status, page, queries = read("/claims/shared/")
    assert (status, queries) == (200, 0)  # served from the cache

    shell(
        {**embedded_cache, "CACHE_STALE_SECONDS": "0"},
        "from app.accounts.models import User; from app.catalog.models import Claim; "
        "from app.catalog.publication import WITHDRAWN, publication_set; "
        "publication_set(Claim.objects.get(slug='shared'), WITHDRAWN, "
        "actor=User.objects.get(username='bob'), reason='The source was a hoax.')",
    )

    status, page, _ = read("/claims/shared/")
    assert status == 404
    assert "withdrawn game" not in read("/claims/")[1]


def test_an_edit_from_a_shell_shows_on_the_next_page(embedded_cache, alice):
    ClaimFactory(slug="edited", summary="The old summary.")
    assert "The old summary." in read("/claims/edited/")[1]
    assert read("/claims/edited/")[2] == 0  # cached

    shell(
        {**embedded_cache, "CACHE_STALE_SECONDS": "0"},
        "from app.accounts.models import User; from app.catalog.models import Claim; "
        "from app.catalog.services import claim_update; "
        "claim_update(claim=Claim.objects.get(slug='edited'), "
        "actor=User.objects.get(username='alice'), summary='The new summary.')",
    )

    status, page, _ = read("/claims/edited/")
    assert status == 200 and "The new summary." in page and "The old summary." not in page


def test_the_worker_renders_changed_pages_into_the_web_process_cache(
    embedded_cache, settings, alice, start_worker
):
    """Render on commit (app/public/tasks.py) with the embedded default: the worker's
    render is what the next reader gets, without rendering in their request."""
    settings.CACHE_STALE_SECONDS = 5
    claim = ClaimFactory(slug="rendered", statement="Vidgen was trained on the old game.")
    assert "the old game" in read("/claims/rendered/")[1]  # the cache learns the address
    start_worker(
        concurrency=1,
        queues=["render"],
        extra_env={
            "CACHE_DIR": embedded_cache["CACHE_DIR"],
            "CACHE_PAGE_SECONDS": "300",
            "CACHE_STALE_SECONDS": "5",
            "ALLOWED_HOSTS": "testserver",
            "REDIS_URL": "",  # the embedded default's cache even when this run has Redis
        },
    )

    claim_update(claim=claim, actor=alice, statement="Vidgen was trained on the new game.")

    def rendered_by_the_worker() -> bool:
        status, page, queries = read("/claims/rendered/")
        assert status == 200 and queries == 0  # never rendered in the reader's request
        return "the new game" in page

    wait_for(rendered_by_the_worker, timeout=60)
