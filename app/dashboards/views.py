"""The public overview and the newsroom dashboard: charts drawn as SVG by the templates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from app.catalog import access
from app.dashboards import panels, queries
from app.moderation.reply import reply_status
from app.public.cache import page_context, public_page, totals_page


@require_safe
@totals_page
@public_page
def overview(request: HttpRequest) -> HttpResponse:
    numbers = queries.overview_numbers()
    context = {**panels.overview_panels(numbers), **page_context(request)}
    return render(request, "dashboards/overview.html", context)


@require_safe
def newsroom(request: HttpRequest) -> HttpResponseBase:
    """For editors and moderators (the people who see every draft); others get 403."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not access.sees_all_drafts(user):
        raise PermissionDenied("The newsroom dashboard is for editors and moderators.")
    now = timezone.now()
    changed, changed_total = queries.sources_changed_since_cited(user)
    today = timezone.localdate()
    replies: list[dict[str, Any]] = []
    for claim in queries.reply_deadlines(user):
        assert claim.developer_contacted_on is not None
        deadline = queries.reply_deadline(claim.developer_contacted_on)
        replies.append(
            {
                "claim": claim,
                "status": reply_status(claim, today=today),
                "deadline": deadline,
                "days_left": (deadline - today).days,
                "days_over": (today - deadline).days,
            }
        )
    context = {
        **panels.newsroom_panels(
            queue=queries.queue_by_age(now),
            captures=queries.captures_by_day(now),
            own=queries.own_work(user),
            today=today,
        ),
        "changed": changed,
        "changed_total": changed_total,
        "replies": replies,
        "days": queries.DAYS,
        "is_moderator": access.is_moderator(user),
    }
    return render(request, "dashboards/newsroom.html", context)
