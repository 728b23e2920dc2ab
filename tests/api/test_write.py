"""The write API: token auth, the sources and evidence contract, clear JSON errors."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.test import Client

from app.accounts.services import token_create, token_revoke
from app.archive.models import Capture, CaptureOrigin, CaptureStatus
from app.catalog.choices import PublicationState
from app.catalog.models import Evidence, Source
from app.public.cache import bump_version
from app.public.signals import Changes
from tests.editor.samples import image_bytes
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db


def auth(secret: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"{scheme} {secret}"}


def post(client: Client, url: str, body: Any, secret: str | None, **extra: Any) -> Any:
    headers = auth(secret) if secret else {}
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **headers, **extra)


@pytest.fixture
def token(alice: Any) -> str:
    return token_create(user=alice, name="bot").secret


def test_posting_a_new_address_creates_the_source_and_queues_it(
    client: Client, token: str, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(
            client, "/api/v1/sources", {"url": "https://news.example/a?utm_source=x"}, token
        )
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert body["normalized_url"] == "https://news.example/a"
    assert body["latest_capture"]["status"] == CaptureStatus.QUEUED
    source = Source.objects.get()
    assert source.added_by == alice and body["id"] == source.pk
    # the page cache's callbacks (its version, the pages a change touched) aside
    rings = [c for c in callbacks if c is not bump_version and not isinstance(c, Changes)]
    assert len(rings) == 1


def test_posting_a_known_address_returns_the_existing_source(client: Client, token: str) -> None:
    known = SourceFactory(url="https://news.example/a", normalized_url="https://news.example/a")
    response = post(
        client,
        "/api/v1/sources",
        {"url": "HTTPS://news.example/a#frag"},
        token,
    )
    assert response.status_code == 200
    assert response.json()["id"] == known.pk and response.json()["created"] is False
    assert not Capture.objects.exists()


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_both_authorization_schemes_work(client: Client, token: str, scheme: str) -> None:
    response = client.post(
        "/api/v1/sources", json.dumps({"url": "https://x.example/"}), content_type="application/json",
        **auth(token, scheme),
    )  # fmt: skip
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, None),
        (b"[1, 2]", 400, None),
        (b"\xff\xfe", 400, None),
        ({"url": "javascript:alert(1)"}, 400, "url"),
        ({"url": "file:///etc/passwd"}, 400, "url"),
        ({"url": "not an address"}, 400, "url"),
        ({"url": ""}, 400, "url"),
        ({"url": ["https://a.example/"]}, 400, "url"),
        ({"url": "https://a.example/", "kind": "podcast"}, 400, "kind"),
        ({"url": "https://a.example/", "admin": True}, 400, "admin"),
    ],
)
def test_bad_input_gets_a_clear_json_400(
    client: Client, token: str, body: Any, status: int, field: Any
) -> None:
    response = post(client, "/api/v1/sources", body, token)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status and error["message"]
    if field:
        assert field in error["fields"]
    assert not Source.objects.exists()


def test_no_token_is_a_401_with_a_challenge(client: Client) -> None:
    response = post(client, "/api/v1/sources", {"url": "https://a.example/"}, None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_revoked_token_is_a_401(client: Client, alice: Any) -> None:
    new = token_create(user=alice, name="bot")
    token_revoke(token=new.token)
    response = post(client, "/api/v1/sources", {"url": "https://a.example/"}, new.secret)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_a_deactivated_users_token_is_a_401_at_once(client: Client, alice: Any, token: str) -> None:
    assert post(client, "/api/v1/sources", {"url": "https://a.example/"}, token).status_code == 201
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    assert post(client, "/api/v1/sources", {"url": "https://b.example/"}, token).status_code == 401


def test_a_session_cookie_does_not_authenticate_a_write(client: Client, alice: Any) -> None:
    client.force_login(alice)
    response = post(client, "/api/v1/sources", {"url": "https://a.example/"}, None)
    assert response.status_code == 401


def test_token_requests_need_no_csrf_token(alice: Any, token: str) -> None:
    client = Client(enforce_csrf_checks=True)
    assert post(client, "/api/v1/sources", {"url": "https://a.example/"}, token).status_code == 201


def test_a_body_over_the_limit_is_a_413(client: Client, token: str) -> None:
    response = post(client, "/api/v1/sources", {"url": "https://a.example/" + "a" * 70000}, token)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_too_many_requests_is_a_429(client: Client, token: str, rate_limits: Any) -> None:
    rate_limits.set("api-write", "3/m")
    codes = [
        post(client, "/api/v1/sources", {"url": f"https://a.example/{n}"}, token).status_code
        for n in range(5)
    ]
    assert codes[:3] == [201, 201, 201] and codes[3:] == [429, 429]
    assert Source.objects.count() == 3


def test_the_wrong_method_is_a_405(client: Client, token: str) -> None:
    response = client.get("/api/v1/sources", **auth(token))
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_evidence_posted_to_a_claim_goes_to_review(client: Client, token: str, alice: Any) -> None:
    claim = ClaimFactory()
    response = post(
        client, f"/api/v1/claims/{claim.slug}/evidence",
        {"url": "https://video.example/watch?v=1&utm_campaign=x", "kind": "output_comparison",
         "stance": "supports", "summary": "Frames match.", "time_start": "00:12", "time_end": 20},
        token,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == PublicationState.PENDING
    assert (body["time_start"], body["time_end"]) == (12.0, 20.0)
    assert body["source"]["normalized_url"] == "https://video.example/watch?v=1"
    item = Evidence.objects.get()
    assert item.added_by == alice and item.history.first().history_user == alice


def test_evidence_with_the_end_before_the_start_is_refused(client: Client, token: str) -> None:
    claim = ClaimFactory()
    response = post(
        client, f"/api/v1/claims/{claim.slug}/evidence",
        {"url": "https://v.example/", "kind": "news_report", "stance": "supports",
         "summary": "x", "time_start": "1:00", "time_end": "0:30"},
        token,
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["time_end"] == ["The end must come after the start."]
    assert not Evidence.objects.exists()


def test_an_unknown_or_hidden_claim_is_a_404(client: Client, carol: Any, token: str) -> None:
    body = {
        "url": "https://v.example/",
        "kind": "news_report",
        "stance": "supports",
        "summary": "x",
    }
    assert post(client, "/api/v1/claims/nope/evidence", body, token).status_code == 404
    hidden = ClaimFactory(draft=True, created_by=carol)
    # An editor sees every draft; someone without the role would not (see the matrix).
    assert post(client, f"/api/v1/claims/{hidden.slug}/evidence", body, token).status_code == 201


def test_patching_evidence_changes_only_the_given_fields(
    client: Client, token: str, alice: Any
) -> None:
    item = EvidenceFactory(summary="Old.", locator="p. 1")
    response = client.patch(
        f"/api/v1/evidence/{item.pk}", json.dumps({"summary": "New."}),
        content_type="application/json", **auth(token),
    )  # fmt: skip
    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert (item.summary, item.locator) == ("New.", "p. 1")


def test_uploading_a_file_through_the_api(client: Client, token: str) -> None:
    source = SourceFactory()
    data = image_bytes("PNG")
    response = client.post(
        f"/api/v1/sources/{source.pk}/uploads?filename=shot.png", data,
        content_type="application/octet-stream", **auth(token),
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["origin"] == CaptureOrigin.UPLOAD and body["manifest_sha256"]
    assert body["artifacts"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["artifacts"][0]["how"] == "uploaded by alice"


def test_an_oversized_or_untyped_api_upload_is_refused(
    client: Client, token: str, settings: Any
) -> None:
    source = SourceFactory()
    url = f"/api/v1/sources/{source.pk}/uploads"
    huge = client.post(url, b"x", content_type="application/octet-stream",
                       CONTENT_LENGTH=str(200 * 1024 * 1024), **auth(token))  # fmt: skip
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    exe = client.post(url, b"MZ" + b"\x00" * 100, content_type="image/png", **auth(token))
    assert exe.status_code == 415
    empty = client.post(url, b"", content_type="image/png", **auth(token))
    assert empty.status_code == 400
    assert not Capture.objects.exists()
