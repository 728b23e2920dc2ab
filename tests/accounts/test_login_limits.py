"""Log-in limits as mature sites have them (issue 11, failure 7).

Only failed log-ins count; one counter per account however its name is
spelled (NFKC, case); past the free failures the account is slowed down,
never locked for good; a password reset ends the wait; every slow-down is
logged and audited; the limit per address stays.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def attempt(client: Client, username: str, password: str, ip: str = "10.9.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_ten_wrong_passwords_slow_the_right_one_down_but_never_lock_it_out(
    client: Client, alice: Any, rate_limits: Any
) -> None:
    rate_limits.slowdown(1.0, 1.0)
    for n in range(10):
        assert attempt(client, "alice", f"wrong {n}", ip=f"10.9.0.{n}").status_code == 200
    slowed = attempt(client, "alice", PASSWORD, ip="10.9.1.1")
    assert slowed.status_code == 429
    assert "Too many failed log-ins for this account" in slowed.text
    assert "reset your password" in slowed.text
    assert slowed["Retry-After"] == "1"
    assert not logged_in(client)
    time.sleep(1.1)
    response = attempt(client, "alice", PASSWORD, ip="10.9.1.1")
    assert response.status_code == 302
    assert logged_in(client)


def test_attempts_during_the_wait_are_refused_unchecked_and_do_not_lengthen_it(
    client: Client, alice: Any, rate_limits: Any
) -> None:
    rate_limits.set("login-user", "3/15m")
    rate_limits.slowdown(30.0, 600.0)
    for _ in range(3):
        attempt(client, "alice", "wrong")
    for _ in range(10):
        refused = attempt(client, "alice", "guess", ip="10.9.2.2")
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 30


def test_each_further_failure_doubles_the_wait_up_to_the_cap(
    client: Client, alice: Any, rate_limits: Any
) -> None:
    rate_limits.set("login-user", "3/15m")
    rate_limits.slowdown(1.0, 2.0)
    for _ in range(3):
        attempt(client, "alice", "wrong")
    assert attempt(client, "alice", "wrong")["Retry-After"] == "1"
    time.sleep(1.1)
    assert attempt(client, "alice", "wrong").status_code == 200  # checked, and wrong
    assert attempt(client, "alice", PASSWORD)["Retry-After"] == "2"
    time.sleep(2.1)
    assert attempt(client, "alice", "wrong").status_code == 200
    assert attempt(client, "alice", PASSWORD)["Retry-After"] == "2"  # the cap


def test_successful_log_ins_do_not_count(client: Client, alice: Any, rate_limits: Any) -> None:
    rate_limits.set("login-user", "3/15m")
    for _ in range(6):
        assert attempt(client, "alice", PASSWORD).status_code == 302
        client.post(reverse("accounts:logout"))
    for _ in range(2):
        assert attempt(client, "alice", "wrong").status_code == 200
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_a_success_starts_the_count_afresh(client: Client, alice: Any, rate_limits: Any) -> None:
    rate_limits.set("login-user", "3/15m")
    for _ in range(2):
        attempt(client, "alice", "wrong")
    assert attempt(client, "alice", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(2):
        assert attempt(client, "alice", "wrong").status_code == 200
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_every_spelling_of_a_name_shares_one_counter(
    client: Client, alice: Any, rate_limits: Any
) -> None:
    rate_limits.set("login-user", "3/15m")
    rate_limits.slowdown(60.0, 60.0)
    # The log-in form reads the fullwidth spelling as "alice" (NFKC): it is her account.
    assert attempt(client, "ａｌｉｃｅ", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for name in ("ａｌｉｃｅ", "ALICE", "Ａｌｉｃｅ"):
        assert attempt(client, name, "wrong").status_code == 200
    for name in ("alice", "ａｌｉｃｅ", " Alice "):
        response = attempt(client, name, PASSWORD)
        assert response.status_code == 429, name
    assert not logged_in(client)


def test_an_unknown_name_is_slowed_down_like_a_real_one(
    client: Client, alice: Any, rate_limits: Any
) -> None:
    rate_limits.set("login-user", "3/15m")
    answers = {}
    for name in ("alice", "nobody"):
        for _ in range(3):
            attempt(client, name, "wrong")
        response = attempt(client, name, "wrong")
        answers[name] = (response.status_code, response["Retry-After"])
    assert answers["alice"] == answers["nobody"] == (429, "2")


def test_a_password_reset_ends_the_slow_down(client: Client, alice: Any, rate_limits: Any) -> None:
    rate_limits.set("login-user", "3/15m")
    rate_limits.slowdown(600.0, 600.0)
    for _ in range(3):
        attempt(client, "alice", "wrong")
    assert attempt(client, "alice", PASSWORD).status_code == 429
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body)
    assert link is not None
    page = client.get(link.group(1), follow=True)
    new = "a brand new passphrase"
    done = client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert attempt(client, "alice", new).status_code == 302


def test_a_slow_down_is_logged_and_audited(
    client: Client, alice: Any, rate_limits: Any, caplog: Any
) -> None:
    from app.catalog.models import AuditEntry

    rate_limits.set("login-user", "3/15m")
    with caplog.at_level(logging.WARNING, logger="app.accounts.ratelimits"):
        for _ in range(3):
            attempt(client, "alice", "wrong", ip="10.7.7.7")
    records = [r.getMessage() for r in caplog.records if "slowed down" in r.getMessage()]
    assert len(records) == 1
    assert f"pk:{alice.pk}" in records[0] and "10.7.7.7" in records[0]
    entry = AuditEntry.objects.get(action="account.login_slowed")
    assert entry.target_id == str(alice.pk)
    assert entry.after["failures"] == 3


def test_the_admin_log_in_goes_through_the_same_limits(
    client: Client, admin_user: Any, rate_limits: Any
) -> None:
    rate_limits.set("login-user", "3/15m")
    rate_limits.slowdown(600.0, 600.0)
    for _ in range(3):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert not logged_in(client)
    assert attempt(client, "root", PASSWORD).status_code == 429


def test_the_limit_per_address_stays(client: Client, alice: Any, rate_limits: Any) -> None:
    rate_limits.set("login-ip", "3/5m")
    for name in ("a", "b", "c"):
        attempt(client, name, "x", ip="10.8.0.1")
    refused = attempt(client, "alice", PASSWORD, ip="10.8.0.1")
    assert refused.status_code == 429
    assert "from your address" in refused.text
    assert attempt(client, "alice", PASSWORD, ip="10.8.0.2").status_code == 302


def test_successful_log_ins_do_not_count_against_the_address(
    client: Client, alice: Any, rate_limits: Any
) -> None:
    rate_limits.set("login-ip", "3/5m")
    for _ in range(5):
        assert attempt(client, "alice", PASSWORD, ip="10.8.1.1").status_code == 302
        client.post(reverse("accounts:logout"))
