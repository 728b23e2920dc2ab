"""Personal API tokens: created by editors, stored hashed, shown once, revocable."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from app.accounts.models import ApiToken
from app.accounts.services import TokenError, token_authenticate, token_create, token_revoke

pytestmark = pytest.mark.django_db


def test_an_editor_creates_a_token_that_is_shown_once_and_stored_hashed(
    client: Client, alice: Any
) -> None:
    client.force_login(alice)
    response = client.post(reverse("accounts:tokens"), {"name": "source bot"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r"to_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", response.text)
    assert secret is not None
    token = ApiToken.objects.get(user=alice)
    assert token.name == "source bot"
    assert token.token_hash == hashlib.sha256(secret.group(0).encode()).hexdigest()
    assert secret.group(0) not in str(ApiToken.objects.values_list().get())
    again = client.get(reverse("accounts:tokens"))
    assert secret.group(0) not in again.text  # never shown again
    assert f"to_{token.prefix}_…" in again.text


def test_a_contributor_cannot_create_tokens(client: Client, carol: Any) -> None:
    client.force_login(carol)
    assert client.get(reverse("accounts:tokens")).status_code == 403
    assert client.post(reverse("accounts:tokens"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_authenticating(client: Client, alice: Any) -> None:
    new = token_create(user=alice, name="laptop")
    assert token_authenticate(new.secret) == alice
    client.force_login(alice)
    response = client.post(reverse("accounts:token_revoke", args=[new.token.pk]))
    assert response.status_code == 302
    with pytest.raises(TokenError, match="revoked"):
        token_authenticate(new.secret)


def test_nobody_revokes_someone_elses_token(client: Client, alice: Any, bob: Any) -> None:
    new = token_create(user=alice, name="laptop")
    client.force_login(bob)
    assert client.post(reverse("accounts:token_revoke", args=[new.token.pk])).status_code == 404
    assert token_authenticate(new.secret) == alice


def test_a_deactivated_users_tokens_stop_at_once(alice: Any) -> None:
    new = token_create(user=alice, name="laptop")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    with pytest.raises(TokenError):
        token_authenticate(new.secret)


def test_a_token_stops_even_when_the_account_is_deactivated_in_bulk(alice: Any) -> None:
    # A bulk update sends no signal, so nothing revokes the token: the check
    # on the owner's is_active at every request is what stops it.
    new = token_create(user=alice, name="laptop")
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    with pytest.raises(TokenError, match="deactivated"):
        token_authenticate(new.secret)


def test_using_a_token_records_when(alice: Any) -> None:
    new = token_create(user=alice, name="laptop")
    assert new.token.last_used_at is None
    token_authenticate(new.secret)
    new.token.refresh_from_db()
    assert new.token.last_used_at is not None


@pytest.mark.parametrize(
    "raw", ["", "to_", "garbage", "to_0123456789ab_" + "x" * 43, "Bearer to_abc", "to_" + "é" * 60]
)
def test_malformed_or_unknown_tokens_are_refused(raw: str, alice: Any) -> None:
    token_create(user=alice, name="laptop")
    with pytest.raises(TokenError):
        token_authenticate(raw)


def test_revoking_twice_is_harmless(alice: Any) -> None:
    new = token_create(user=alice, name="laptop")
    first = token_revoke(token=new.token).revoked_at
    assert token_revoke(token=new.token).revoked_at == first


def test_an_admin_sees_tokens_without_their_hash_and_revokes_them(
    client: Client, admin_user: Any, alice: Any
) -> None:
    new = token_create(user=alice, name="laptop")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200 and "laptop" in listing.text
    assert new.token.token_hash not in listing.text
    detail = client.get(reverse("admin:accounts_apitoken_change", args=[new.token.pk]))
    assert new.token.token_hash not in detail.text
    client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [new.token.pk]},
    )
    with pytest.raises(TokenError, match="revoked"):
        token_authenticate(new.secret)
