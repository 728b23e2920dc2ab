"""Demo accounts for `make run`: made only while DEBUG is on, with a printed password."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from app.accounts.models import User
from app.catalog import access
from app.demo.accounts import seed_demo_accounts
from app.demo.management.commands import seed_demo as command

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_debug_makes_an_editor_and_a_moderator_once_with_a_random_password() -> None:
    made = {a.username: a for a in seed_demo_accounts()}
    editor, moderator = (
        User.objects.get(username="demo-editor"),
        User.objects.get(username="demo-moderator"),
    )
    password = made["demo-editor"].password
    assert password and editor.check_password(password)
    assert made["demo-moderator"].password != password
    assert access.is_workspace_user(editor) and not access.is_moderator(editor)
    assert access.is_moderator(moderator)
    again = seed_demo_accounts()
    assert [a.password for a in again] == [None, None]
    editor.refresh_from_db()
    assert editor.check_password(password) and User.objects.count() == 2


@override_settings(DEBUG=False)
def test_production_settings_make_no_account() -> None:
    assert seed_demo_accounts() == []
    assert not User.objects.exists()


@pytest.mark.parametrize("debug", [True, False])
def test_seed_demo_prints_the_credentials_only_in_debug(
    monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    monkeypatch.setattr(command, "seed_demo", lambda: {})
    monkeypatch.setattr(command, "seed_disclosures_demo", lambda: {})
    out = StringIO()
    with override_settings(DEBUG=debug):
        call_command("seed_demo", stdout=out)
    text = out.getvalue()
    if debug:
        password = text.split("demo-editor / ")[1].split()[0]
        assert User.objects.get(username="demo-editor").check_password(password)
        assert "demo-moderator / " in text
    else:
        assert "demo-" not in text and not User.objects.exists()
