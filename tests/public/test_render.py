"""Addresses built from patterns resolved once, labels translated once (app/public/render.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from app.catalog.choices import Stance, Strength, Verdict
from app.catalog.models import Claim
from app.public.render import fast_reverse, id_url, label


@pytest.mark.parametrize("language", ["en", "fr"])
def test_fast_addresses_match_reverse_in_each_language(language: str) -> None:
    with translation.override(language):
        assert id_url("archive:source")(7) == reverse("archive:source", args=[7])
        assert id_url("moderation:flag_evidence")(12) == reverse(
            "moderation:flag_evidence", args=[12]
        )
        assert fast_reverse("public:claim", "a-b") == reverse("public:claim", args=["a-b"])
        assert fast_reverse("archive:artifact", 3, "page one.pdf") == reverse(
            "archive:artifact", args=[3, "page one.pdf"]
        )


def test_an_id_address_refuses_what_is_not_a_number() -> None:
    with pytest.raises(ValueError):
        id_url("archive:source")("1/../../admin")  # type: ignore[arg-type]


def test_labels_follow_the_language_within_one_process() -> None:
    """label() gives get_FOO_display()'s text in the active language, switching back and forth."""
    for language in ["en", "fr", "en", "fr"]:
        with translation.override(language):
            for verdict in Verdict.values:
                claim = Claim(verdict=verdict, evidence_strength="")
                assert label(Verdict, verdict) == claim.get_verdict_display()
            for strength in Strength.values:
                claim = Claim(evidence_strength=strength)
                assert label(Strength, strength) == claim.get_evidence_strength_display()
            assert label(Stance, "supports") == str(dict(Stance.choices)["supports"])
            assert label(Verdict, "unknown") == "unknown"
        expected = {"en": ("Refuted", "Not assessed"), "fr": ("Réfutée", "Non évaluée")}
        with translation.override(language):
            assert (label(Verdict, "refuted"), label(Strength, "")) == expected[language]
