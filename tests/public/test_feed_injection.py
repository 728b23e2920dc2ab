"""Atom feeds carry HTML summaries (type="html"): hostile text must arrive inert.

A feed reader decodes <summary type="html"> and renders it, so each summary is
read back the way a reader would (XML, then HTML) and searched for anything live.
"""

from __future__ import annotations

from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from app.catalog.models import Entity, VerdictChange
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "<iframe src=//evil.example></iframe>",
    '<a href="javascript:alert(3)">click</a>',
    "[click](javascript:alert(4))",
    "<svg onload=alert(5)>",
]
PAYLOAD = " ".join(HOSTILE)
LIVE_TAGS = {"script", "img", "iframe", "svg", "object", "embed", "style", "link", "meta"}


class _Live(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in LIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in {"href", "src"} and (value or "").strip().lower().startswith("javascript"):
                self.found.append(f"{tag}[{name}={value}]")


def live_markup(html: str) -> list[str]:
    parser = _Live()
    parser.feed(html)
    parser.close()
    return parser.found


def summaries(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)
    found = []
    for entry in feed.iter(f"{ATOM}entry"):
        summary = entry.find(f"{ATOM}summary")
        assert summary is not None and summary.get("type") == "html"
        found.append(summary.text or "")
    return found


@pytest.fixture
def hostile_claim():
    claim = ClaimFactory(slug="hostile", summary=f"**Bold** {PAYLOAD}")
    model = Entity.objects.create(kind="model", name="Hostile model", slug="hostile-model")
    claim.models_named.add(model)
    source = SourceFactory(publisher="<b onmouseover=alert(6)>Pub</b>")
    EvidenceFactory(claim=claim, source=source, summary=PAYLOAD)
    VerdictChange.objects.create(claim=claim, new_verdict="supported", note=PAYLOAD)
    return claim


@pytest.mark.parametrize(
    "url", ["/claims/feed/", "/entities/hostile-model/feed/", "/claims/hostile/feed/"]
)
def test_no_feed_summary_carries_live_markup(client, hostile_claim, url):
    found = summaries(client, url)
    assert found, "the feed has entries to check"
    for html in found:
        assert live_markup(html) == [], html


def test_the_claims_feed_renders_the_summary_markdown_and_keeps_the_text(client, hostile_claim):
    [html] = summaries(client, "/claims/feed/")
    assert "<strong>Bold</strong>" in html  # Markdown rendered like on the claim page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not dropped


def test_the_claim_feed_escapes_evidence_verdict_notes_and_publishers(client, hostile_claim):
    found = summaries(client, "/claims/hostile/feed/")
    assert len(found) == 2
    joined = "\n".join(found)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined
    assert "&lt;b onmouseover=alert(6)&gt;Pub&lt;/b&gt;" in joined
