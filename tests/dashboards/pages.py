"""Reading the dashboards' charts back out of the HTML: the SVG bars and their tables."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag


def soup(html: bytes | str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def figure(page: BeautifulSoup, chart_id: str) -> Tag:
    found = page.select_one(f"#chart-{chart_id}")
    assert found is not None, f"no chart {chart_id}"
    return found


def table(page: BeautifulSoup, chart_id: str) -> dict[str, list[int]]:
    """The chart's data table: row label -> its numbers."""
    rows = {}
    for row in figure(page, chart_id).select("tbody tr"):
        label = row.find("th").get_text(strip=True)
        rows[label] = [int(cell.get_text(strip=True).replace(",", "")) for cell in row.select("td")]
    return rows


def bars(page: BeautifulSoup, chart_id: str) -> dict[str, int]:
    """What the SVG itself says: each bar's label and the value written after it."""
    found = {}
    for group in figure(page, chart_id).select("svg g"):
        label = group.select_one("text.bar-label")
        value = group.select_one("text.bar-value")
        if label and value:
            found[label.get_text(strip=True)] = int(value.get_text(strip=True))
    return found


def columns(page: BeautifulSoup, chart_id: str) -> list[str]:
    """The tooltip of every column segment ("<period>, <series>: <n>")."""
    return [t.get_text(strip=True) for t in figure(page, chart_id).select("svg rect > title")]
