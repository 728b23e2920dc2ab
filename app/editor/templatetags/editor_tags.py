from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import SafeString

from app.archive.models import CaptureStatus
from app.archive.states import describe_capture, error_explanation
from app.catalog.choices import EntityKind
from app.lib.markdown import render_markdown
from app.lib.timecodes import format_timecode

register = template.Library()

_KINDS = dict(EntityKind.choices)
ACTIVE = {CaptureStatus.QUEUED.value, CaptureStatus.RUNNING.value}


@register.filter
def markdown(text: str | None) -> SafeString:
    return render_markdown(text)


@register.filter
def timecode(seconds: Decimal | None) -> str:
    return format_timecode(seconds)


@register.filter
def capture_label(status: str | None) -> str:
    """The capture state in plain words (``archive.states``)."""
    return describe_capture(status).label


@register.filter
def error_label(error_class: str | None) -> str:
    """Why a capture failed, in one plain sentence (``archive.states``)."""
    return error_explanation(error_class or "") if error_class else ""


@register.filter
def is_active(status: str | None) -> bool:
    """Still queued or running: the badge keeps polling."""
    return status in ACTIVE


@register.filter
def kind_label(kind: str) -> str:
    return str(_KINDS.get(kind, kind))
