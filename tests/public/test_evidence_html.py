"""The claim page's evidence items, rendered in Python (app/public/evidence_html.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import escape
from html.parser import HTMLParser

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from app.catalog.choices import EvidenceKind, OnlineStatus, Stance
from app.public import queries
from app.public.evidence_html import EvidenceRenderer
from app.public.html import Localized, e
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & \' "'


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def rendered(claim_slug: str, language: str = "en") -> str:
    with translation.override(language):
        page = queries.claim_page(claim_slug)
        renderer = EvidenceRenderer(page.claim.language)
        return str(renderer.render_all(page.evidence))


def test_hostile_text_in_every_field_renders_inert() -> None:
    source = SourceFactory(title=HOSTILE, publisher=HOSTILE, language='en" onx="1')
    item = EvidenceFactory(source=source, summary=HOSTILE, quote=HOSTILE, locator=HOSTILE)
    html = rendered(item.claim.slug)
    parsed = parse(html)
    names = {tag for tag, _attrs in parsed.tags}
    assert "script" not in names and "img" not in names
    assert not any(k.startswith("on") for _tag, attrs in parsed.tags for k in attrs)
    # The text survives as text, four times in full (summary, quote, locator, title).
    assert "".join(parsed.text).count('<script>alert("x")</script>') >= 4
    quote = next(attrs for tag, attrs in parsed.tags if tag == "blockquote")
    assert quote["lang"] == 'en" onx="1'


def test_an_item_shows_its_kind_source_archived_copy_and_report_link() -> None:
    source = SourceFactory(publisher="Example Times", title="The story", published_on=None)
    item = EvidenceFactory(source=source, kind=EvidenceKind.DOCUMENT, stance=Stance.CONTRADICTS)
    CaptureFactory(source=source, manifest_sha256="ab" * 32)
    parsed = parse(rendered(item.claim.slug))
    article = next(attrs for tag, attrs in parsed.tags if tag == "article")
    # A card (issue 15): the archived copy's state and links sit below the source.
    assert article == {"class": "evidence card contradicts", "id": f"evidence-{item.pk}"}
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert links == [f"/sources/{source.pk}/", source.url, f"/suggest/report/evidence/{item.pk}/"]
    text = " ".join("".join(parsed.text).split())
    assert "Other document " in text
    assert "Example Times, The story" in text
    assert "Archived captured " in text
    assert "manifest SHA-256 abababababababab…" in text
    assert "Not archived" not in text


def test_an_item_without_a_capture_says_so() -> None:
    item = EvidenceFactory()
    html = rendered(item.claim.slug)
    assert 'class="capture capture-not_archived"' in html
    assert "Not archived" in html


def test_french_readers_get_french_strings_and_dates() -> None:
    source = SourceFactory(
        online_status=OnlineStatus.GONE,
        gone_since=timezone.make_aware(datetime(2025, 3, 4, 12, 0)),
    )
    item = EvidenceFactory(source=source, locator="§ 2")
    CaptureFactory(source=source)
    html = rendered(item.claim.slug, "fr")
    assert "Où\u00a0:" in html
    assert "copie archivée" in html
    assert "4 mars 2025" in html
    assert "Signaler un problème" in html


def test_a_time_coded_item_shows_its_range_and_a_changed_source_links_its_versions() -> None:
    source = SourceFactory()
    claim = ClaimFactory()
    item = EvidenceFactory(
        claim=claim, source=source, time_start=Decimal("62.5"), time_end=Decimal("3725")
    )
    source.last_changed_at = item.created_at + timedelta(days=2)
    source.save()
    html = rendered(claim.slug)
    assert '<span class="timerange">01:02.5–1:02:05</span>' in html
    assert f'href="/sources/{source.pk}/versions/"' in html
    assert "after it was cited here" in html


def test_items_without_media_share_the_frames_templates_text_and_others_get_their_own() -> None:
    """The frames template's text for a time-coded item without video, frames or a changed
    source is rendered once a page and reused: the same as rendering it for each item,
    and an item with a changed source between two plain ones still links its versions."""
    claim = ClaimFactory()
    changed = SourceFactory()
    for source in (SourceFactory(), changed, SourceFactory()):
        item = EvidenceFactory(claim=claim, source=source, time_start=Decimal("12"))
    changed.last_changed_at = item.created_at + timedelta(days=2)
    changed.save()
    with translation.override("en"):
        page = queries.claim_page(claim.slug)
        shared = str(EvidenceRenderer(page.claim.language).render_all(page.evidence))
        each = "".join(EvidenceRenderer(page.claim.language).render(view) for view in page.evidence)
    assert shared == each
    assert shared.count(f'href="/sources/{changed.pk}/versions/"') == 1
    assert shared.count('class="timerange"') == 3


@pytest.mark.parametrize(
    "value",
    ["plain words", "", "l'été", 'say "hi"', "a < b && c > d", "<script>x</script>", 42, None],
)
def test_the_escape_helper_gives_what_the_standard_library_gives(value: object) -> None:
    """`html.e` skips the replacements for a string without a special character."""
    assert e(value) == escape(str(value), quote=True)


def test_a_date_is_formatted_in_the_current_time_zone_like_the_date_filter() -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    with timezone.override("Europe/Paris"):
        assert Localized().date(late) == date_format(timezone.localtime(late), "DATE_FORMAT")
    assert Localized().date(late) == date_format(late, "DATE_FORMAT")
