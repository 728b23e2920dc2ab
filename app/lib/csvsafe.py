"""The one CSV writer of the site: streamed rows, spreadsheet formulas neutralized.

Text from the public (claim statements, summaries, quotes, source titles, audit
reasons) ends up in CSV files that people open in a spreadsheet. A cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read there
as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, DDE), so such a text cell is
written with a leading apostrophe, as OWASP's "CSV injection" advice says: the
spreadsheet shows the text, and the apostrophe tells a reader it was quoted.
Numbers are written as they are (a negative number is not a formula).

Used by the public exports (``app/api/exports.py``) and the audit log export
(``app/moderation/audit_views.py``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str | int | float | Decimal:
    """The value as a CSV cell: None is empty, a text that a spreadsheet would run is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


class _Echo:
    """A file-like object whose write() returns what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The header, then one CSV line per row, each cell made safe; for a streaming response."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])
