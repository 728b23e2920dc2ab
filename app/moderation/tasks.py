from __future__ import annotations

from celery import shared_task

from app.moderation.reply import reply_mark_overdue


@shared_task(name="moderation.mark_no_response", ignore_result=True)
def mark_no_response() -> int:
    """Periodic (beat): contacted developers past the deadline become "no response"."""
    return reply_mark_overdue()
