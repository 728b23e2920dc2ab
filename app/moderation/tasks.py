from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from app.moderation.reply import reply_mark_overdue


@shared_task(name="moderation.mark_no_response", ignore_result=True)
def mark_no_response() -> int:
    """Periodic (beat): contacted developers past the deadline become "no response"."""
    return reply_mark_overdue()


@shared_task(
    name="moderation.notify_decision",
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=5,
)
def notify_decision(decision_id: int) -> bool:
    """E-mail the author of a decided item; retried with backoff on mail trouble."""
    from app.moderation.services import notify

    return notify(decision_id=decision_id)
