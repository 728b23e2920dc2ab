"""Template tags other apps' pages use to show moderation information."""

from __future__ import annotations

from typing import Any

from django import template

from app.catalog import audit
from app.catalog.models import Claim
from app.moderation.models import Decision, Suggestion
from app.moderation.reply import ReplyStatus, reply_status
from app.moderation.services import decisions_for, suggestions_for

register = template.Library()


@register.simple_tag(name="reply_status")
def reply_status_tag(claim: Claim) -> ReplyStatus:
    return reply_status(claim)


@register.simple_tag
def my_decisions(user: Any, limit: int = 20) -> list[Decision]:
    return decisions_for(user, limit=limit)


@register.simple_tag
def my_suggestions(user: Any, limit: int = 20) -> list[Suggestion]:
    return suggestions_for(user, limit=limit)


@register.filter
def audit_action(action: str) -> str:
    """An audit log action ("claim.publish") in words."""
    return audit.action_label(action)
