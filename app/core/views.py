from __future__ import annotations

import logging
import secrets

from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from app.core.models import TaskProbe
from app.core.tasks import probe

log = logging.getLogger(__name__)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@never_cache
@staff_member_required
@require_POST
def worker_probe_send(request: HttpRequest) -> JsonResponse:
    """Send a probe task to the workers; poll `worker_probe_status` for the answer."""
    token = secrets.token_hex(16)
    sent_at = timezone.now().isoformat()
    try:
        probe.delay(token, sent_at)  # writes nothing here: no transaction to wait for
    except Exception:  # the broker is down: say so, it is what the probe is for
        log.warning("worker probe not sent: the broker did not answer", exc_info=True)
        return JsonResponse({"token": token, "sent": False, "error": "broker unreachable"})
    return JsonResponse({"token": token, "sent": True}, status=202)


@never_cache
@staff_member_required
@require_GET
def worker_probe_status(request: HttpRequest, token: str) -> JsonResponse:
    row = TaskProbe.objects.filter(token=token).order_by("received_at").first()
    if row is None:
        return JsonResponse({"token": token, "executed": False})
    return JsonResponse(
        {"token": token, "executed": True, "worker": row.worker, "at": row.received_at.isoformat()}
    )
