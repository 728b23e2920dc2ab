"""Demo accounts for `make run`: an editor and a moderator to try the workspace and
the moderation queue with.

Made only while ``DEBUG`` is on (the embedded default of `make run`), never with
production settings (``DEBUG=0``). Each gets a random password, printed once by
``seed_demo`` when the account is created; a later run leaves the account and its
password alone (``manage.py changepassword demo-editor`` sets a new one).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group

from app.accounts.models import User
from app.accounts.roles import EDITOR, MODERATOR

DEMO_ACCOUNTS = (("demo-editor", EDITOR), ("demo-moderator", MODERATOR))


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str | None  # None: the account existed already (password unchanged)


def seed_demo_accounts() -> list[DemoAccount]:
    """The demo editor and moderator, created if missing; [] unless ``DEBUG`` is on."""
    if not settings.DEBUG:
        return []
    accounts = []
    for username, role in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(
                username=username, email=f"{username}@demo.invalid", password=password
            )
        user.groups.add(Group.objects.get(name=role))
        accounts.append(DemoAccount(username, role, password))
    return accounts
