"""Redis down: no POST answers 5xx and nothing is lost (issue 11, failure 8).

Every URL pattern of the site (the admin's only through its log-in) is sent a
POST while the cache, the rate limits and the Celery broker point at a port
where nothing listens. The POSTs that write (a source through the API, a
suggestion accepted by a moderator, a retried capture, a sign-up, a
suggestion, flags, log-ins ...) must have written. Then a real Redis starts on
that port, the sweep runs and a real worker takes the queued captures: each
address is fetched exactly once.

docs/rate-limits.md says what each limit does while its store is down.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from kombu import pools as kombu_pools

from app.accounts.models import User
from app.accounts.services import token_create
from app.archive.models import Capture, CaptureStatus
from app.catalog.choices import PublicationState
from app.catalog.models import Source
from app.celery import app as celery_app
from app.moderation.intake import status_token
from app.moderation.models import Flag, Suggestion
from tests.archive.conftest import ARTICLE
from tests.conftest import PASSWORD, require_service, wait_for
from tests.factories import CaptureFactory, ClaimFactory, EntityFactory, EvidenceFactory
from tests.lib.servers import LocalServer, respond, serve
from tests.moderation.conftest import suggestion_data

pytestmark = [pytest.mark.redis, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The browser step would fetch each page a second time (not what is counted here).
WORKER_ENV = {"ARCHIVE_BROWSER_STEP": "0"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def use_broker(url: str, options: dict[str, Any]) -> None:
    """Point this process's Celery app at ``url``, dropping its pooled connections."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu keeps producer pools in a global registry keyed by the connection: the one
    # closed above would be found again for the same address (Acquire on closed pool).
    kombu_pools.reset()
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options


@pytest.fixture
def dead_redis(settings: Any) -> Iterator[str]:
    """Cache and broker on redis://127.0.0.1:<port>/1, where nothing listens yet."""
    if not shutil.which("redis-server"):
        require_service("the redis-server binary", False)
    url = f"redis://127.0.0.1:{free_port()}/1"
    # Saved before the settings change: Celery's configuration reads Django's settings.
    saved = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "redis-down-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    settings.CACHE_PAGE_SECONDS = 300
    use_broker(url, {"visibility_timeout": 7200, "socket_connect_timeout": 1, "socket_timeout": 5})
    yield url
    use_broker(*saved)


@pytest.fixture
def site(settings: Any) -> Iterator[LocalServer]:
    routes = {"/article.html": respond(ARTICLE), "/suggested.html": respond(ARTICLE)}
    with serve(routes) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        yield server


def redis_server(url: str) -> subprocess.Popen[bytes]:
    port = url.rsplit(":", 1)[1].split("/")[0]
    proc = subprocess.Popen(
        ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(answers, timeout=20)
    return proc


# --- The world the POSTs act on ------------------------------------------------


@dataclass
class World:
    admin: Any
    alice: Any
    bob: Any
    claim: Any
    draft: Any
    evidence: Any
    entity: Any
    source: Any
    failed_source: Any
    suggestion: Any
    token: str
    site: LocalServer

    def client(self, user: Any | None = None, ip: str = "10.66.0.1") -> Client:
        client = Client(REMOTE_ADDR=ip)
        if user is not None:
            client.force_login(user)
        return client

    def api(self, url: str, body: Any) -> Any:
        return self.client().post(
            url,
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
        )


@pytest.fixture
def world(site: LocalServer, admin_user: Any, alice: Any, bob: Any) -> World:
    claim = ClaimFactory(statement="Sora was trained on Minecraft footage.")
    evidence = EvidenceFactory(claim=claim, added_by=alice)
    failed_source = EvidenceFactory(claim=claim).source
    CaptureFactory(source=failed_source, status=CaptureStatus.FAILED)
    suggestion = Suggestion.objects.create(
        kind="claim",
        url=site.url_for("/suggested.html"),
        normalized_url=site.url_for("/suggested.html"),
        statement="Model Q was trained on the R archive.",
        summary="The page lists the archive.",
        ip_hash="x",
    )
    return World(
        admin=admin_user,
        alice=alice,
        bob=bob,
        claim=claim,
        draft=ClaimFactory(state=PublicationState.DRAFT, published_at=None),
        evidence=evidence,
        entity=EntityFactory(),
        source=evidence.source,
        failed_source=failed_source,
        suggestion=suggestion,
        token=token_create(user=alice, name="bot").secret,
        site=site,
    )


# --- Every POST entry point ------------------------------------------------------


LITERALS = re.compile(r"\(\?P<(\w+)>([\w-]+(?:\|[\w-]+)*)\)")


def url_patterns() -> list[tuple[str, dict[str, str]]]:
    """(namespaced name, {path argument: a fixed value or ""}) of every URL of the site
    (the admin is left out). An argument that must be one of some words gets the first."""
    found: list[tuple[str, dict[str, str]]] = []

    def walk(resolver: URLResolver, namespace: str, params: dict[str, str]) -> None:
        for entry in resolver.url_patterns:
            regex = entry.pattern.regex.pattern
            names = {**params, **{name: "" for name in entry.pattern.regex.groupindex}}
            names.update({name: words.split("|")[0] for name, words in LITERALS.findall(regex)})
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, inner, names)
            elif entry.name:
                found.append((f"{namespace}{entry.name}", names))

    walk(get_resolver(), "", {})
    return found


Check = Callable[[Any], None]


def generic_kwargs(name: str, params: dict[str, str], w: World) -> dict[str, Any]:
    """Path arguments that point at existing rows, by the argument's name."""
    values: dict[str, Any] = {
        "slug": w.entity.slug if "entit" in name else w.claim.slug,
        "history_id": w.claim.history.first().history_id,
        "kind": "suggestion",
        "token": status_token(w.suggestion),
        "artifact_id": 1,
        "name": "x",
        "dataset": "claims",
        "fmt": "csv",
        "uidb64": urlsafe_base64_encode(force_bytes(w.alice.pk)),
    }
    if "evidence" in name:
        values["pk"] = w.evidence.pk
    elif "source" in name:
        values["pk"] = w.source.pk
    elif name.startswith("moderation:queue") or name in {
        "moderation:review",
        "moderation:take",
        "moderation:release",
        "moderation:decide",
    }:
        values["pk"] = w.suggestion.pk
    elif "entit" in name:
        values["pk"] = w.entity.pk
    else:
        values["pk"] = w.claim.pk
    # A fixed word when the pattern asks for one, else a row's value, else "1".
    return {key: fixed or values.get(key, "1") for key, fixed in params.items()}


def special_cases(w: World) -> dict[str, tuple[Callable[[], Any], Check]]:
    """The POSTs that write, with what must have been written."""
    suggested = w.site.url_for("/suggested.html")
    added = w.site.url_for("/article.html")

    def source_added(response: Any) -> None:
        assert response.status_code == 201, response.content
        source = Source.objects.get(normalized_url=added)
        assert Capture.objects.get(source=source).status == CaptureStatus.QUEUED

    def logged_in(response: Any) -> None:
        assert response.status_code == 302, response.status_code

    def signed_up(response: Any) -> None:
        assert response.status_code == 302
        assert User.objects.filter(username="dana").exists()

    def reset_sent(response: Any) -> None:
        assert response.status_code == 302
        assert len(mail.outbox) == 1

    def suggestion_kept(response: Any) -> None:
        assert response.status_code == 302
        assert Suggestion.objects.filter(statement="Kept while Redis is down.").exists()

    def flagged(response: Any) -> None:
        assert response.status_code == 302
        assert Flag.objects.filter(note="Redis is down").exists()

    def accepted(response: Any) -> None:
        assert response.status_code == 302
        w.suggestion.refresh_from_db()
        assert w.suggestion.status == "accepted"
        capture = Capture.objects.get(source__normalized_url=suggested)
        assert capture.status == CaptureStatus.QUEUED

    def retried(response: Any) -> None:
        assert response.status_code < 400
        assert Capture.objects.filter(source=w.failed_source, status="queued").count() == 1

    def answered(response: Any) -> None:
        assert response.status_code < 500

    def probe_not_sent(response: Any) -> None:
        assert response.status_code == 200
        assert response.json()["sent"] is False

    reset_token = default_token_generator.make_token(w.alice)
    uid = urlsafe_base64_encode(force_bytes(w.alice.pk))
    flag_data = {"reason": "wrong", "note": "Redis is down"}
    return {
        "api:sources-create": (lambda: w.api("/api/v1/sources", {"url": added}), source_added),
        "accounts:login": (
            lambda: w.client().post(
                reverse("accounts:login"), {"username": "alice", "password": PASSWORD}
            ),
            logged_in,
        ),
        "admin:login": (
            lambda: w.client().post("/admin/login/", {"username": "root", "password": PASSWORD}),
            logged_in,
        ),
        "accounts:signup": (
            lambda: w.client().post(
                reverse("accounts:signup"),
                {
                    "username": "dana",
                    "email": "dana@example.org",
                    "password1": "a long passphrase 9",
                    "password2": "a long passphrase 9",
                },
            ),
            signed_up,
        ),
        "accounts:password_reset": (
            lambda: w.client().post(
                reverse("accounts:password_reset"), {"email": "alice@example.org"}
            ),
            reset_sent,
        ),
        "accounts:password_reset_confirm": (
            lambda: w.client().post(
                reverse("accounts:password_reset_confirm", args=[uid, reset_token]), {}
            ),
            answered,
        ),
        "moderation:suggest": (
            lambda: w.client(ip="10.66.0.9").post(
                "/suggest/",
                suggestion_data(statement="Kept while Redis is down.", url=added + "?x=1"),
            ),
            suggestion_kept,
        ),
        "moderation:flag_claim": (
            lambda: w.client().post(f"/suggest/report/claim/{w.claim.slug}/", flag_data),
            flagged,
        ),
        "moderation:flag_evidence": (
            lambda: w.client().post(f"/suggest/report/evidence/{w.evidence.pk}/", flag_data),
            flagged,
        ),
        "moderation:decide": (
            lambda: w.client(w.bob).post(
                f"/moderation/queue/suggestion/{w.suggestion.pk}/decide/", {"action": "publish"}
            ),
            accepted,
        ),
        "editor:source_retry": (
            lambda: w.client(w.alice).post(
                reverse("editor:source_retry", args=[w.failed_source.pk])
            ),
            retried,
        ),
        "core:worker-probe": (lambda: w.client(w.admin).post("/healthz/worker"), probe_not_sent),
    }


def test_every_post_survives_redis_down_and_the_capture_happens_once_it_is_back(
    dead_redis: str, world: World, start_worker: Any
) -> None:
    cases = special_cases(world)
    answers: dict[str, int] = {}
    seconds: dict[str, float] = {}
    lost: dict[str, str] = {}
    for name, (send, check) in cases.items():
        started = time.monotonic()
        response = send()
        seconds[name] = time.monotonic() - started
        answers[name] = response.status_code
        try:
            check(response)
        except AssertionError as exc:
            lost[name] = f"{response.status_code}: {exc}"
    for name, params in url_patterns():
        if name in cases:
            continue
        url = reverse(name, kwargs=generic_kwargs(name, params, world))
        for who in (world.admin, None):
            answers[f"{name} as {'admin' if who else 'anonymous'}"] = (
                world.client(who).post(url, {}).status_code
            )
    answers["api unknown"] = world.api("/api/v1/nope", {}).status_code

    server_errors = {name: code for name, code in answers.items() if code >= 500}
    assert server_errors == {}
    assert lost == {}
    assert len(answers) > 60  # every pattern was tried
    print("seconds per special case with Redis down:", {k: round(v, 2) for k, v in seconds.items()})

    # Redis comes back: the sweep rings for the queued captures, a worker runs them once.
    redis = redis_server(dead_redis)
    try:
        start_worker(
            concurrency=2,
            extra_env={**WORKER_ENV, "CELERY_BROKER_URL": dead_redis, "REDIS_URL": dead_redis},
        )
        from app.archive.pipeline import sweep

        report = sweep(now=timezone.now() + timedelta(hours=1))
        assert report.resent >= 2
        added = world.site.url_for("/article.html")
        suggested = world.site.url_for("/suggested.html")
        for url in (added, suggested):
            done = wait_for(
                lambda url=url: Capture.objects.filter(
                    source__normalized_url=url, status=CaptureStatus.SUCCEEDED
                ).first(),
                timeout=120,
                interval=0.3,
            )
            assert done.attempts == 1
        time.sleep(2)  # time for a duplicate delivery, if any, to show
        for path in ("/article.html", "/suggested.html"):
            fetched = [r for r in world.site.requests if r.path == path]
            assert len(fetched) == 1, path
            source = Source.objects.get(normalized_url=world.site.url_for(path))
            assert Capture.objects.filter(source=source).count() == 1
    finally:
        redis.terminate()
        redis.wait(timeout=10)


def test_the_pattern_walk_finds_the_post_entry_points() -> None:
    names = {name for name, _params in url_patterns()}
    expected = {"api:sources-create", "accounts:login", "moderation:suggest", "moderation:decide"}
    assert expected <= names
    assert not any(name.startswith("admin:") for name in names)
