"""Capture states and errors in plain words (issue 15, problem 8): every status
and every error class has a label, a plain sentence in English and French,
the technical detail kept apart, and a retry rule."""

from __future__ import annotations

import pytest
from django.utils import translation

from app.archive.models import CaptureStatus, ErrorClass
from app.archive.states import (
    RETRYABLE_ERRORS,
    describe_capture,
    describe_link,
    error_explanation,
    error_short_label,
)

ERROR_CLASSES = [c.value for c in ErrorClass if c.value]

# What a retry can fix, written out again on purpose (the rule is the module's).
EXPECTED_RETRYABLE = {
    "timeout": True,
    "connection": True,
    "server_error": True,
    "rate_limited": True,
    "gone": True,
    "media": True,
    "internal": True,
    "too_large": False,
    "blocked_address": False,
    "bad_url": False,
    "not_found": False,
    "client_error": False,
    "login_wall": False,
    "unsupported": False,
}


def test_every_error_class_is_classified() -> None:
    assert set(EXPECTED_RETRYABLE) == set(ERROR_CLASSES)
    assert {c for c, r in EXPECTED_RETRYABLE.items() if r} == set(RETRYABLE_ERRORS)


@pytest.mark.parametrize("error_class", ERROR_CLASSES)
def test_failed_capture_explained_in_plain_words(error_class: str) -> None:
    with translation.override("en"):
        state = describe_capture("failed", error_class, "refusing 127.0.0.1:8400: loopback")
        fallback = describe_capture("failed", "no_such_class", "x").explanation
    assert state.key == "failed"
    assert state.label == "Archiving failed"
    # The plain sentence is specific to the class, and holds no technical words.
    assert state.explanation != fallback
    assert state.explanation.endswith(".")
    assert error_class not in state.explanation
    assert "127.0.0.1" not in state.explanation
    # The technical detail is kept, apart.
    assert state.detail == f"{error_class}: refusing 127.0.0.1:8400: loopback"
    assert state.retryable is EXPECTED_RETRYABLE[error_class]


@pytest.mark.parametrize("error_class", ERROR_CLASSES)
def test_every_explanation_is_translated_to_french(error_class: str) -> None:
    with translation.override("en"):
        english = error_explanation(error_class)
    with translation.override("fr"):
        french = error_explanation(error_class)
        label = describe_capture("failed", error_class).label
    assert french and french != english
    assert label == "Échec de l’archivage"


def test_explanations_are_distinct() -> None:
    with translation.override("en"):
        texts = [error_explanation(c) for c in ERROR_CLASSES]
    assert len(set(texts)) == len(texts)


def test_blocked_address_words() -> None:
    with translation.override("en"):
        state = describe_capture("failed", "blocked_address", "refusing 127.0.0.1:8400: loopback")
    assert state.explanation == "TrainedOn does not archive private or local network addresses."
    assert not state.retryable
    with translation.override("en"):
        gone = describe_capture("failed", "not_found", "HTTP 404")
    assert "no longer exists" in gone.explanation
    assert not gone.retryable


@pytest.mark.parametrize(
    ("status", "key", "en", "fr"),
    [
        (None, "not_archived", "Not archived", "Non archivée"),
        ("", "not_archived", "Not archived", "Non archivée"),
        ("queued", "in_progress", "Being archived", "Archivage en cours"),
        ("running", "in_progress", "Being archived", "Archivage en cours"),
        ("succeeded", "archived", "Archived", None),
        ("partial", "partial", "Partly archived", None),
        ("failed", "failed", "Archiving failed", "Échec de l’archivage"),
    ],
)
def test_every_status(status: str | None, key: str, en: str, fr: str | None) -> None:
    with translation.override("en"):
        state = describe_capture(status)
    assert state.key == key
    assert state.label == en
    assert state.explanation
    with translation.override("fr"):
        french = describe_capture(status)
    assert french.key == key
    assert french.label != en and french.explanation != state.explanation
    if fr is not None:
        assert french.label == fr


def test_statuses_cover_the_model() -> None:
    keys = {describe_capture(s.value).key for s in CaptureStatus}
    assert keys == {"archived", "partial", "failed", "in_progress"}


def test_only_failures_are_retryable() -> None:
    for status in ("succeeded", "queued", "running", None):
        assert not describe_capture(status, "timeout", "x").retryable
    assert describe_capture("partial", "timeout", "read timed out").retryable
    assert not describe_capture("partial", "too_large", "x").retryable
    # A failure with no recorded class may be retried.
    assert describe_capture("failed").retryable


def test_partial_explains_what_is_missing() -> None:
    with translation.override("en"):
        state = describe_capture("partial", "login_wall", "bot challenge")
    assert state.explanation.startswith("The page was archived, but")
    assert "login" in state.explanation
    assert state.detail == "login_wall: bot challenge"


@pytest.mark.parametrize("error_class", ERROR_CLASSES)
def test_every_class_has_a_short_plain_label_in_both_languages(error_class: str) -> None:
    with translation.override("en"):
        english = error_short_label(error_class)
        unknown = error_short_label("no_such_class")
    with translation.override("fr"):
        french = error_short_label(error_class)
    assert english != unknown and french != english
    assert "(" not in english and "DNS" not in english  # no developer words


def test_link_state_is_coherent() -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 1, 2, tzinfo=UTC)
    with translation.override("en"):
        never = describe_link("alive", None)
        assert (never.key, never.label) == ("unchecked", "Not checked yet")
        assert describe_link("unknown", None).key == "unchecked"
        alive = describe_link("alive", when)
        assert (alive.key, alive.label, alive.checked_at) == ("alive", "Online", when)
        assert describe_link("changed", when).label == "Changed since archived"
        assert describe_link("gone", None, when).key == "gone"
        assert describe_link("blocked", when).key == "blocked"
        assert describe_link("unknown", when).key == "unknown"
    with translation.override("fr"):
        assert describe_link("alive", None).label == "Pas encore vérifiée"
        assert "n’a pas encore vérifié" in describe_link("alive", None).explanation
