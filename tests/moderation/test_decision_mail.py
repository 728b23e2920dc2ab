"""The decision e-mail's labels are translated, with French typography (U+00A0 before ':')."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from app.moderation.models import Decision
from app.moderation.services import notify

pytestmark = pytest.mark.django_db


def test_the_decision_mail_reads_in_french_with_a_no_break_space_before_colons(
    carol: Any, mailoutbox: list[Any]
) -> None:
    decision = Decision.objects.create(
        item_kind="claim", item_id=1, item_label="Sora a appris sur Minecraft", author=carol,
        outcome="rejected", reason_code="", reason_text="Aucune source.",
    )  # fmt: skip
    with translation.override("fr"):
        assert notify(decision_id=decision.pk) is True
    with translation.override("en"):
        assert notify(decision_id=decision.pk) is True
    french, english = (m.body for m in mailoutbox)
    assert "\u00a0: Sora a appris sur Minecraft" in french
    assert "Raison\u00a0: Aucune source." in french
    assert ": Sora a appris sur Minecraft" in english and "\u00a0" not in english
    assert "Reason: Aucune source." in english
