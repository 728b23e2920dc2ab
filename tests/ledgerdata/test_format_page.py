"""docs/data.md is served at /data/format/, linked from the data page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_format_page_renders_docs_data_md(client):
    page = client.get("/data/format/").content.decode()
    assert "Daily dumps" in page
    assert "provenance.json" in page
    assert "claim_id,statement,summary" in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_data_page_links_to_it(client):
    assert 'href="/data/format/"' in client.get("/data/").content.decode()
