"""Sign-up, log-in with its rate limits, log-out, password reset and profile."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from app.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_new_account_is_a_contributor_and_is_logged_in(client: Client) -> None:
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "dana",
            "email": "dana@example.org",
            "password1": "a long passphrase 9",
            "password2": "a long passphrase 9",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("editor:dashboard")
    dana = User.objects.get(username="dana")
    assert [g.name for g in dana.groups.all()] == ["contributor"]
    assert dana.has_perm("catalog.add_claim") and not dana.has_perm("catalog.change_claim")
    assert client.get(reverse("editor:dashboard")).status_code == 200


def test_sign_up_refuses_a_taken_name_and_a_weak_password(client: Client, alice: Any) -> None:
    response = client.post(
        reverse("accounts:signup"),
        {"username": "ALICE", "email": "x@example.org", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 200
    assert "That user name is taken." in response.text
    assert "too short" in response.text
    assert User.objects.filter(username="ALICE").count() == 0


def test_log_in_and_log_out(client: Client, alice: Any) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD, "next": "/editor/"},
    )
    assert response.status_code == 302 and response["Location"] == "/editor/"
    assert client.get("/editor/").status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get("/editor/").status_code == 302  # back to the log-in page


def test_a_wrong_password_is_refused_with_a_message(client: Client, alice: Any) -> None:
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.text


def test_a_password_reset_by_email_lets_the_user_choose_a_new_password(
    client: Client, alice: Any
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body)
    assert link is not None
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200 and "new_password1" in page.text
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "another long passphrase", "new_password2": "another long passphrase"},
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another long passphrase")


def test_a_password_reset_for_an_unknown_address_sends_nothing(client: Client) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302  # the same answer: accounts are not revealed
    assert mail.outbox == []


def test_the_profile_shows_roles_and_saves_the_display_name(client: Client, alice: Any) -> None:
    client.force_login(alice)
    page = client.get(reverse("accounts:profile"))
    assert "editor" in page.text and reverse("accounts:tokens") in page.text
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Alice L.", "email": "alice@example.org", "bio": "Editor."},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.display_name == "Alice L."


def test_the_profile_needs_a_log_in(client: Client) -> None:
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_reset_mail_links_to_site_url_whatever_the_host_header(
    client: Client, alice: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://trainedon.example"
    response = client.post(
        reverse("accounts:password_reset"),
        {"email": "alice@example.org"},
        HTTP_HOST="127.0.0.1:1234",
    )
    assert response.status_code == 302
    body = mail.outbox[0].body
    assert "127.0.0.1:1234" not in body and "127.0.0.1:1234" not in mail.outbox[0].subject
    assert re.search(r"^https://trainedon\.example/accounts/password/reset/\S+/$", body, re.M)
