"""Shared fixtures: named people, factories, and a real Celery worker.

People: alice the editor, bob the moderator, carol the contributor, dave
another contributor, pat an editor who may publish directly, mallory the outsider (a registered user with no role), and the anonymous
reader. Services: with TRAINEDON_REQUIRE_SERVICES=1 (CI), a test that needs
PostgreSQL or Redis fails when the service is missing instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("TRAINEDON_REQUIRE_SERVICES", "") in {"1", "true", "yes"}

# One queue and one media folder per test session, so parallel runs (and the
# developer's own `make run`) never take each other's tasks or files.
TEST_QUEUE = f"test-{uuid.uuid4().hex[:12]}"
MEDIA_DIR = Path(tempfile.mkdtemp(prefix="trainedon-media-"))
# Without Redis, the cache's files (app/core/filecache.py), shared with the session's
# workers and subprocesses as in `make run`, and removed at the end.
CACHE_DIR = Path(tempfile.mkdtemp(prefix="trainedon-cache-"))


def pytest_configure(config: pytest.Config) -> None:
    from app.celery import app as celery_app

    # One cache namespace per test process (pytest-xdist runs several), shared with the
    # Celery workers it starts: cached pages of one process's database never answer another's.
    prefix = f"trainedon-{TEST_QUEUE}"
    os.environ["CACHE_KEY_PREFIX"] = prefix
    django_settings.CACHES["default"]["KEY_PREFIX"] = prefix
    if "LOCATION" in django_settings.CACHES["default"] and not django_settings.REDIS_URL:
        os.environ["CACHE_DIR"] = str(CACHE_DIR)
        django_settings.CACHES["default"]["LOCATION"] = str(CACHE_DIR)
    _reset_cache_handler()
    django_settings.STORAGES["default"]["OPTIONS"]["location"] = str(MEDIA_DIR)
    django_settings.MEDIA_ROOT = MEDIA_DIR
    django_settings.ARCHIVE_ALLOW_HOSTS = []
    # No stale pages unless a test starts the render worker and asks for them
    # (tests/public/test_render_on_commit.py): a page read after a change is current.
    django_settings.CACHE_STALE_SECONDS = 0
    celery_app.conf.task_default_queue = TEST_QUEUE
    # Every routed queue (pages, media, links, maintenance) gets the session's prefix too.
    django_settings.TASK_QUEUE_PREFIX = f"{TEST_QUEUE}."
    if django_settings.CELERY_BROKER_URL.startswith("sqla+"):
        broker = f"sqla+sqlite:///{django_settings.DATA_DIR / f'test-broker-{os.getpid()}.sqlite3'}"
        django_settings.CELERY_BROKER_URL = broker
        celery_app.conf.broker_url = broker


def _reset_cache_handler() -> None:
    """Django's cache handler reads CACHES once: start it again (as override_settings does)."""
    from asgiref.local import Local
    from django.core.cache import caches, close_caches

    close_caches()
    caches._settings = caches.settings = caches.configure_settings(None)  # type: ignore[misc]
    caches._connections = Local()


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(MEDIA_DIR, ignore_errors=True)
    shutil.rmtree(CACHE_DIR, ignore_errors=True)
    for leftover in django_settings.DATA_DIR.glob(f"test-broker-{os.getpid()}.sqlite3*"):
        leftover.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """A test database per process, so concurrent runs on one machine do not collide."""
    db = django_settings.DATABASES["default"]
    suffix = str(os.getpid())
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"]["NAME"] = str(django_settings.DATA_DIR / f"test-db-{suffix}.sqlite3")
    else:
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{suffix}"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the site's default language.

    Django's LocaleMiddleware activates a request's language in the test's own thread and
    never deactivates it, so one `/fr/` request would otherwise leave French on for every
    later test that reads a translated string outside a request.
    """
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_page_from_another_test() -> None:
    """Test databases are emptied without signals: no page cached by an earlier test
    (same database name, same cache keys) is served to this one."""
    from app.public.cache import purge_all

    purge_all()


@pytest.fixture(autouse=True)
def _no_site_file_from_another_test() -> None:
    """The same for the signals step's in-process copy of the day's site files
    (robots.txt...): an earlier test's rows are gone with its database."""
    from app.archive.steps.consent import forget_host_files

    forget_host_files()


def require_service(name: str, available: bool) -> None:
    if available:
        return
    message = f"{name} is not configured for this run"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}, and TRAINEDON_REQUIRE_SERVICES=1 asks for it.")
    pytest.skip(message)


@pytest.fixture
def needs_postgres() -> None:
    require_service("PostgreSQL (DATABASE_URL=postgres://...)", django_settings.IS_POSTGRES)


@pytest.fixture
def needs_redis() -> None:
    require_service("Redis (REDIS_URL=redis://...)", bool(django_settings.REDIS_URL))


# --- People -------------------------------------------------------------


def _person(username: str, role: str | None, **extra: Any) -> Any:
    from django.contrib.auth.models import Group

    from app.accounts.models import User

    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password="correct horse battery",
        **extra,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


PASSWORD = "correct horse battery"


@pytest.fixture
def alice(db: None) -> Any:
    """alice the editor."""
    return _person("alice", "editor", display_name="Alice Editor")


@pytest.fixture
def bob(db: None) -> Any:
    """bob the moderator."""
    return _person("bob", "moderator", display_name="Bob Moderator")


@pytest.fixture
def carol(db: None) -> Any:
    """carol the contributor."""
    return _person("carol", "contributor")


@pytest.fixture
def dave(db: None) -> Any:
    """dave, another contributor (not the author of carol's work)."""
    return _person("dave", "contributor")


@pytest.fixture
def pat(db: None) -> Any:
    """pat, an editor who also holds "publish directly"."""
    from django.contrib.auth.models import Permission

    user = _person("pat", "editor")
    user.user_permissions.add(Permission.objects.get(codename="publish_directly"))
    return user


@pytest.fixture
def mallory(db: None) -> Any:
    """mallory, a registered outsider with no role."""
    return _person("mallory", None)


@pytest.fixture
def admin_user(db: None) -> Any:
    return _person("root", "admin", is_staff=True, is_superuser=True)


# --- Rate limits ------------------------------------------------------------


class RateLimits:
    """The test's handle on app/accounts/ratelimits.py: override any limit of its table."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        settings.TRAINEDON_RATES = {}

    def set(self, name: str, *rates: str) -> None:
        """``rate_limits.set("login-user", "3/5m")``: the limit's rates for this test."""
        from app.accounts.ratelimits import LIMITS

        assert name in LIMITS, f"no rate limit named {name!r}"
        self.settings.TRAINEDON_RATES = {**self.settings.TRAINEDON_RATES, name: rates}

    def slowdown(self, base: float, cap: float) -> None:
        """The log-in slow-down's first wait and longest wait, in seconds."""
        self.settings.TRAINEDON_RATES = {
            **self.settings.TRAINEDON_RATES,
            "login-slowdown": (base, cap),
        }


@pytest.fixture(autouse=True)
def rate_limits(settings: Any) -> RateLimits:
    """Every test starts with fresh rate-limit counters (its own cache prefix, so runs
    sharing a Redis never count each other's requests) and the default rates."""
    from app.accounts.ratelimits import reset_for_tests

    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex[:12]}:"
    reset_for_tests()
    return RateLimits(settings)


# --- A real Celery worker -----------------------------------------------


def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a subprocess that must see this test session's database."""
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    env["CELERY_BROKER_URL"] = django_settings.CELERY_BROKER_URL
    env["TASK_QUEUE_PREFIX"] = django_settings.TASK_QUEUE_PREFIX
    env["MEDIA_ROOT"] = str(MEDIA_DIR)
    env["ARCHIVE_ALLOW_HOSTS"] = ",".join(django_settings.ARCHIVE_ALLOW_HOSTS)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class WorkerProcess:
    """`celery worker` in its own process group, consuming this session's queues
    (all of them, or the kinds named in ``queues``: "pages", "media", ...)."""

    def __init__(
        self,
        concurrency: int = 2,
        extra_env: dict[str, str] | None = None,
        queues: list[str] | None = None,
    ) -> None:
        from app.celery import QUEUES, queue_name

        names = [queue_name(q) for q in (queues or QUEUES)] + ([] if queues else [TEST_QUEUE])
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "app",
            "worker",
            "-Q",
            ",".join(names),
            "-c",
            str(concurrency),
            "--loglevel=INFO",
            "-n",
            f"test-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=worker_env(extra_env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.output():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.output()[-3000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready:\n{self.output()[-3000:]}")

    def pool_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def start_worker(transactional_db: None) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real workers on demand; each is stopped at the end of the test."""
    started: list[WorkerProcess] = []

    def start(
        concurrency: int = 2,
        extra_env: dict[str, str] | None = None,
        queues: list[str] | None = None,
    ) -> WorkerProcess:
        worker = WorkerProcess(concurrency, extra_env, queues)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(predicate: Callable[[], Any], timeout: float = 30, interval: float = 0.1) -> Any:
    """Poll until predicate() is truthy; return its value or fail with a clear message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    """Chromium for a browser test against the live server (`tests.browser.chromium`),
    closed before the server stops. A module may define its own ``browser``."""
    from tests.browser import chromium

    with chromium() as launched:
        yield launched
