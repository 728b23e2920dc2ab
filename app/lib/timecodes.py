"""Video time codes: "75", "75.5", "01:15", "1:02:03" and "1:02:03.250" to seconds."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

MAX_SECONDS = Decimal("999999.999")  # what Evidence.time_start/end (9 digits, 3 places) holds
_PART = re.compile(r"^\d{1,6}$")
_LAST = re.compile(r"^\d{1,9}(?:[.,]\d{1,3})?$")


class TimecodeError(ValueError):
    pass


def parse_timecode(text: str) -> Decimal:
    """Seconds as a Decimal with at most 3 places; raises `TimecodeError` with a reason."""
    raw = str(text).strip()
    if not raw:
        raise TimecodeError(_("The time is empty."))
    parts = raw.split(":")
    if len(parts) > 3 or not _LAST.match(parts[-1]) or not all(_PART.match(p) for p in parts[:-1]):
        raise TimecodeError(
            _(
                "“%(text)s” is not a time: use seconds (75), minutes:seconds (01:15) "
                "or hours:minutes:seconds (1:02:03)."
            )
            % {"text": raw[:40]}
        )
    try:
        seconds = Decimal(parts[-1].replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern above rules it out
        raise TimecodeError(_("“%(text)s” is not a time.") % {"text": raw[:40]}) from None
    if len(parts) > 1:
        if seconds >= 60:
            raise TimecodeError(_("“%(text)s”: seconds must be below 60.") % {"text": raw[:40]})
        minutes = int(parts[-2])
        if len(parts) == 3 and minutes >= 60:
            raise TimecodeError(_("“%(text)s”: minutes must be below 60.") % {"text": raw[:40]})
        hours = int(parts[0]) if len(parts) == 3 else 0
        seconds += minutes * 60 + hours * 3600
    if seconds > MAX_SECONDS:
        message = _("“%(text)s” is longer than the longest video we keep.")
        raise TimecodeError(message % {"text": raw[:40]})
    return seconds.quantize(Decimal("0.001"))


def format_timecode(seconds: Decimal | float | int | None) -> str:
    """1:02:03 or 02:03, with milliseconds only when there are some."""
    if seconds is None:
        return ""
    value = Decimal(seconds).quantize(Decimal("0.001"))
    whole = int(value)
    frac = value - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
    if frac:
        text += str(frac.normalize())[1:]
    return text
