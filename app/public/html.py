"""Shared helpers of the HTML rendered in Python (evidence items, claim cards, facets)."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import escape

from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language_info

# What `escape` replaces: a string without any of these is returned as it is (one scan in C
# instead of five replacements; a claim page escapes some 600 values, most of them plain).
_SPECIAL = re.compile("[&<>\"']").search


def e(value: object) -> str:
    """Escape for HTML text and attribute values, quotes included (as autoescape does)."""
    text = value if type(value) is str else str(value)
    return escape(text, quote=True) if _SPECIAL(text) else text


def language_name(code: str) -> str:
    """A language code as its name in the reader's language ('fr' -> 'French'/'français')."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code.upper()


class Localized:
    """Dates and language names in the active language, each formatted once per page."""

    def __init__(self) -> None:
        self._date_format = formats.get_format("DATE_FORMAT")
        self._zone = timezone.get_current_timezone()  # looked up once, not once a date
        self._dates: dict[date, str] = {}
        self._languages: dict[str, str] = {}

    def date(self, value: date | datetime) -> str:
        """``{{ value|date:"DATE_FORMAT" }}``: datetimes in the current time zone. Not escaped."""
        day = timezone.localtime(value, self._zone).date() if isinstance(value, datetime) else value
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = dateformat.format(day, self._date_format)
        return text

    def language(self, code: str) -> str:
        """The language's name, escaped."""
        name = self._languages.get(code)
        if name is None:
            name = self._languages[code] = e(language_name(code))
        return name
