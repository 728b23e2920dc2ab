"""One normalization of text behind every "did it change?"."""

from __future__ import annotations

import hashlib

from app.lib.text import MAX_WORDS, normalize_text, normalized_words, text_sha256


def test_spacing_case_punctuation_and_numbers_are_noise() -> None:
    first = "Updated 2 December 2024.\n\n  1,204 views — Sora was TRAINED on games!"
    second = "updated 3 december 2024 98,771 views Sora was trained on games"
    assert normalize_text(first) == normalize_text(second)
    assert normalize_text(first) == "updated # december # # views sora was trained on games"
    assert text_sha256(first) == text_sha256(second)


def test_a_changed_word_changes_the_hash() -> None:
    assert text_sha256("trained on licensed footage") != text_sha256("trained on public footage")


def test_the_hash_is_sha256_of_the_normalized_words() -> None:
    text = "Hello,   World"
    assert text_sha256(text) == hashlib.sha256(b"hello world").hexdigest()
    assert text_sha256("") == text_sha256(" .,; ") == hashlib.sha256(b"").hexdigest()


def test_words_past_the_limit_are_cut() -> None:
    words = normalized_words("word " * (MAX_WORDS + 10))
    assert len(words) == MAX_WORDS
