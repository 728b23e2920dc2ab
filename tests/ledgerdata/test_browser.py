"""The admin's bulk import in a real browser, with a real Celery worker: upload, watch the
progress bar fill, read the report of refused records."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.catalog.models import Claim
from app.ledgerdata.models import ImportRun
from tests.browser import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.worker]
WAIT_MS = 120_000


def ledger_file(path: Path) -> Path:
    records: list[Any] = [
        {"type": "entity", "slug": "vidgen", "name": "VidGen", "kind": "model"},
    ]
    for i in range(40):
        records.append(
            {"type": "claim", "slug": f"c-{i}", "statement": f"VidGen was trained on set {i}.",
             "models": ["vidgen"]}
        )  # fmt: skip
    records.append({"type": "claim", "slug": "bad", "statement": 7})
    records.append({"type": "claim", "slug": "worse", "statement": "x", "models": ["nobody"]})
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_an_admin_uploads_a_file_and_watches_it_import(
    browser: Any,
    live_server: Any,
    start_worker: Callable[..., Any],
    admin_user: Any,
    tmp_path: Path,
) -> None:
    start_worker(concurrency=1)
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/ledgerdata/importrun/add/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/ledgerdata/importrun/add/$"))
    assert page.get_by_role("link", name="Download the CSV template").is_visible()
    page.set_input_files("#id_file", str(ledger_file(tmp_path / "ledger.jsonl")))
    screenshot(page, "ledger-import", "1-upload")
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/admin/ledgerdata/importrun/\d+/change/$"))
    progress = page.locator("#import-progress progress")
    assert progress.count() == 1
    # htmx polls the run's row every second until the worker has finished.
    page.locator('#import-progress [data-status="done"]').wait_for()
    assert page.locator("#import-progress progress").get_attribute("value") == "100"
    screenshot(page, "ledger-import", "2-done")
    text = page.locator("#import-progress").inner_text()
    assert "43 of 43 records: 41 created, 0 already there, 2 refused" in text
    rows = page.locator("#import-report tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t") == ["42", "statement", "Must be text, not int."]
    assert rows.nth(1).inner_text().startswith("43\tmodels[0]\tUnknown entity 'nobody'")
    run = ImportRun.objects.get()
    assert run.status == "done" and run.requested_by == admin_user
    assert Claim.objects.count() == 40
    assert set(Claim.objects.values_list("state", flat=True)) == {"pending"}


def test_a_file_of_another_kind_is_refused_at_upload(
    browser: Any, live_server: Any, admin_user: Any, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/ledgerdata/importrun/add/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/importrun/add/$"))
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    page.set_input_files("#id_file", str(other))
    page.get_by_role("button", name="Import").click()
    assert "Upload a .jsonl or .csv file" in page.content()
    assert ImportRun.objects.count() == 0
