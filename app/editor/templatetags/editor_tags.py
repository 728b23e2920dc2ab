from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from app.archive.models import CaptureStatus, ErrorClass
from app.catalog.choices import EntityKind
from app.lib.markdown import render_markdown
from app.lib.timecodes import format_timecode

register = template.Library()

_STATUS = dict(CaptureStatus.choices)
_ERRORS = dict(ErrorClass.choices)
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
    return str(_STATUS.get(status or "", _("Not archived")))


@register.filter
def error_label(error_class: str | None) -> str:
    return str(_ERRORS.get(error_class or "", error_class or ""))


@register.filter
def is_active(status: str | None) -> bool:
    """Still queued or running: the badge keeps polling."""
    return status in ACTIVE


@register.filter
def kind_label(kind: str) -> str:
    return str(_KINDS.get(kind, kind))
