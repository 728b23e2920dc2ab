"""The disclosure editor and the developer's gap page in a real chromium, with axe-core,
in English and French, with and without JavaScript."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from app.disclosures.demo import seed_disclosures_demo
from app.disclosures.models import Disclosure, DisclosureKind
from app.disclosures.services import disclosure_create
from tests.browser import check_page, chromium, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, "\n".join(serious)


@pytest.fixture
def draft(pat: Any) -> Disclosure:
    from app.catalog.models import Entity

    call_command("seed_demo")
    model = Entity.objects.get(slug="sora")
    return disclosure_create(
        model=model, actor=pat, kind=DisclosureKind.MODEL_CARD, title="Sora system card",
        url="https://demo.trainedon.example/statements/openai-sora-training-data", submit=False,
    )  # fmt: skip


def test_pat_fills_a_disclosure_section_by_section_in_place(
    browser: Browser, live_server: Any, draft: Disclosure
) -> None:
    page = browser.new_page()
    log_in(page.context, live_server.url, draft.created_by)
    page.goto(f"{live_server.url}/editor/disclosures/{draft.pk}/")
    assert_accessible(page)
    section = page.locator("#section-1\\.3")
    section.get_by_label("What it declares").fill("Films and TV; no games named.")
    section.get_by_label("Films").check()
    section.get_by_label("Text: training data size").select_option("gt10t")
    url = page.url
    section.get_by_role("button", name="Save section 1.3").click()
    expect(page.locator("#section-1\\.3 .saved")).to_have_text("Saved.", timeout=WAIT_MS)
    assert page.url == url  # swapped in place by htmx, no reload
    screenshot(page, "disclosure-editor", "saved")
    stored = draft.sections.get(code="1.3")
    assert stored.text == "Films and TV; no games named."
    assert stored.data == {"content_types": ["films"], "text_size": "gt10t"}
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(rf"/editor/disclosures/{draft.pk}/$"))
    draft.refresh_from_db()
    assert draft.state == "published"
    page.goto(f"{live_server.url}/fr/editor/disclosures/{draft.pk}/")
    expect(page.get_by_role("button", name="Enregistrer la section 2.3")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_accessible(page)
    page.goto(f"{live_server.url}/fr/disclosures/{draft.pk}/")
    expect(page.get_by_text("plus de 10 000 milliards de jetons")).to_be_visible()
    expect(
        page.get_by_role("heading", name="2.3 Données collectées par robot d’indexation")
    ).to_be_visible()
    assert_accessible(page)
    page.close()


def test_the_section_forms_work_without_javascript(
    browser: Browser, live_server: Any, draft: Disclosure
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(context, live_server.url, draft.created_by)
    page.goto(f"{live_server.url}/editor/disclosures/{draft.pk}/")
    section = page.locator("#section-2\\.3")
    section.get_by_label("Most relevant domain names (one a line)").fill("youtube.com\ntwitch.tv")
    section.get_by_role("button", name="Save section 2.3").click()
    page.wait_for_url(re.compile(rf"/editor/disclosures/{draft.pk}/#section-2\.3$"))
    expect(page.get_by_text("Section 2.3 saved.")).to_be_visible()
    assert draft.sections.get(code="2.3").data == {"domains": ["youtube.com", "twitch.tv"]}
    context.close()


def test_a_reader_reads_the_developer_gap_page_in_english_and_french(
    browser: Browser, live_server: Any
) -> None:
    call_command("seed_demo")
    seed_disclosures_demo()
    page = browser.new_page()
    page.goto(f"{live_server.url}/entities/openai/")
    page.get_by_role("link", name=re.compile("The disclosure gap")).click()
    page.wait_for_url(re.compile(r"/developers/openai/gap/$"))
    table = page.get_by_role("table")
    row = table.get_by_role("row", name=re.compile("Sora"))
    expect(row.locator("td.gap-silent")).to_have_count(2)
    expect(row.get_by_role("link", name=re.compile("video-game footage")).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "developer-gap", "en")
    row.get_by_role("link", name=re.compile("video-game footage")).first.click()
    page.wait_for_url(re.compile(r"/claims/sora-trained-on-video-game-footage/$"))
    expect(page.get_by_role("heading", name="What the developer declared")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Streamer Collective"))).to_be_visible()
    page.goto(f"{live_server.url}/fr/developers/openai/gap/")
    expect(page.get_by_role("table").locator("td.gap-silent").first).to_contain_text("Muette")
    assert_accessible(page)
    page.goto(f"{live_server.url}/cases/demo-streamer-collective-v-openai/")
    assert_accessible(page)
    page.close()


def test_a_disclosure_page_fits_a_phone_in_english_and_french(
    browser: Browser, live_server: Any
) -> None:
    """The section facts (long French labels such as "Noms et versions du modèle (un par
    ligne)") once took the whole width at 390 px and set the values one letter a line."""
    call_command("seed_demo")
    seed_disclosures_demo()
    disclosure = Disclosure.objects.get(title__startswith="Public summary")
    page = browser.new_page()
    for prefix in ("", "/fr"):
        check_page(
            page,
            f"{live_server.url}{prefix}/disclosures/{disclosure.pk}/",
            f"disclosure{prefix.replace('/', '-')}",
        )
        value = page.locator("dl.facts dd", has_text="Sora (demo version)").first
        assert value.bounding_box()["width"] > 150  # type: ignore[index]
    page.close()
