"""Addresses built from patterns resolved once (app/public/render.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from app.public.render import fast_reverse, id_url


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
