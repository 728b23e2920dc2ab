"""Accounts: sign-up and personal API tokens (STYLE.md, habit 2)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from app.accounts.models import ApiToken, User
from app.accounts.roles import CONTRIBUTOR

TOKEN_RE = re.compile(r"^to_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, shown to its owner once and never stored


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> User:
    """Create an account; every new account starts as a contributor."""
    user = User.objects.create_user(username=username, email=email, password=password)
    user.groups.add(Group.objects.get(name=CONTRIBUTOR))
    return user


def token_create(*, user: User, name: str) -> NewToken:
    """Make a token for ``user``; the returned secret is the only copy."""
    prefix = secrets.token_hex(6)
    secret = f"to_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=prefix, token_hash=hash_token(secret)
    )
    return NewToken(token, secret)


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token; it stops working on the next request. Revoking twice is harmless.

    Saved through the model (not a bulk update) so post_save listeners, such
    as the moderation audit log, see the revocation.
    """
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


class TokenError(Exception):
    """Why a presented token does not authenticate anyone (a 401)."""


def token_authenticate(raw: str) -> User:
    """The active user a token belongs to; records the use. Raises `TokenError`.

    The lookup is by the SHA-256 of the whole token (an indexed equality on a
    hash), so no secret ever sits in the database or is compared byte by byte.
    """
    if not TOKEN_RE.match(raw):
        raise TokenError("The token is malformed.")
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None:
        raise TokenError("The token is not valid.")
    if token.revoked_at is not None:
        raise TokenError("The token has been revoked.")
    if not token.user.is_active:
        raise TokenError("The account that owns this token is deactivated.")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
