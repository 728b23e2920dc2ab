"""Shared fixtures: named people, factories, and a real Celery worker.

People: alice the editor, bob the moderator, carol the contributor,
mallory the outsider (a registered user with no role), and the anonymous
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


def pytest_configure(config: pytest.Config) -> None:
    from app.celery import app as celery_app

    django_settings.STORAGES["default"]["OPTIONS"]["location"] = str(MEDIA_DIR)
    django_settings.MEDIA_ROOT = MEDIA_DIR
    django_settings.ARCHIVE_ALLOW_HOSTS = []
    celery_app.conf.task_default_queue = TEST_QUEUE
    if django_settings.CELERY_BROKER_URL.startswith("sqla+"):
        broker = f"sqla+sqlite:///{django_settings.DATA_DIR / f'test-broker-{os.getpid()}.sqlite3'}"
        django_settings.CELERY_BROKER_URL = broker
        celery_app.conf.broker_url = broker


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(MEDIA_DIR, ignore_errors=True)
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
def mallory(db: None) -> Any:
    """mallory, a registered outsider with no role."""
    return _person("mallory", None)


@pytest.fixture
def admin_user(db: None) -> Any:
    return _person("root", "admin", is_staff=True, is_superuser=True)


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
    env["MEDIA_ROOT"] = str(MEDIA_DIR)
    env["ARCHIVE_ALLOW_HOSTS"] = ",".join(django_settings.ARCHIVE_ALLOW_HOSTS)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class WorkerProcess:
    """`celery worker` in its own process group, consuming this session's queue."""

    def __init__(self, concurrency: int = 2, extra_env: dict[str, str] | None = None) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "app",
            "worker",
            "-Q",
            TEST_QUEUE,
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

    def start(concurrency: int = 2, extra_env: dict[str, str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(concurrency, extra_env)
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
