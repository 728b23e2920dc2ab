"""The reader's claim page (issue 15): the finding first, evidence cards with the state of
each archived copy in plain words, links from the request's host, the share card, the
citation formats and the editor's Edit link that never reaches the anonymous cache."""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from PIL import Image

from app.catalog.choices import PublicationState, Verdict
from app.catalog.models import AuditEntry, Claim
from app.public.cache import bump_version
from app.public.citation import bibtex_escape
from tests.factories import ClaimFactory
from tests.public.claim_world import make_claim_world

pytestmark = pytest.mark.django_db

URL = "/claims/vidgen-blockcraft-footage/"


def page_of(client: Client, url: str = URL, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def card_of(html: str, evidence_id: int) -> str:
    start = html.index(f'id="evidence-{evidence_id}"')
    return html[start : html.index("</article>", start)]


def test_a_failed_capture_is_shown_to_readers_as_failed_with_the_reason(client: Client) -> None:
    """Problem 1: it used to say "not archived yet"."""
    world = make_claim_world()
    card = card_of(page_of(client), world.failed.pk)
    assert 'class="capture capture-failed"' in card
    assert "Archiving failed" in card
    assert "The page no longer exists at this address (the site says so)." in card
    assert "HTTP 404 from gone.example" in card  # the technical detail, one click away
    assert "<details><summary>Technical detail</summary>" in card
    assert "not archived yet" not in card
    # A way to the failure record: the source's archiving page.
    assert f'href="/sources/{world.failed.source_id}/"' in card


def test_a_capture_in_progress_and_an_archived_copy_say_so_in_plain_words(client: Client) -> None:
    world = make_claim_world()
    html = page_of(client)
    running = card_of(html, world.running.pk)
    assert 'class="capture capture-in_progress"' in running and "Being archived" in running
    archived = card_of(html, world.archived.pk)
    assert 'class="capture capture-archived"' in archived
    assert re.search(r'Archived</span> <time datetime="[^"]+">captured ', archived)
    assert f'href="/sources/{world.archived.source_id}/">archived copy' in archived
    assert f'href="{world.archived.source.url}" rel="nofollow noopener noreferrer">original' in (
        archived
    )


def test_each_archived_source_shows_its_stamped_screenshot_lazily_from_our_own_address(
    client: Client,
) -> None:
    world = make_claim_world()
    card = card_of(page_of(client), world.archived.pk)
    [img] = re.findall(r"<img [^>]+>", card)
    assert 'loading="lazy"' in img
    src = re.search(r'src="([^"]+)"', img)[1]  # type: ignore[index]
    assert src.startswith("/archive/artifacts/") and src.endswith("/screenshot.png")
    assert 'alt="Screenshot of the archived page from Example News 0"' in img
    shot = client.get(src)
    assert shot.status_code == 200
    assert Image.open(io.BytesIO(b"".join(shot.streaming_content))).format == "PNG"


def test_the_time_codes_link_to_the_moment_in_the_archived_video(client: Client) -> None:
    world = make_claim_world()
    card = card_of(page_of(client), world.video.pk)
    video = f"/archive/videos/{world.video_artifact.pk}/video.mp4"
    assert f'<a class="timerange" href="{video}#t=12,20.5"' in card
    assert ">00:12–00:20.5<" in card
    # Each archived frame's time is a link to that moment too.
    for moment, shown in (("12.0", "00:12"), ("16.25", "00:16.25"), ("20.5", "00:20.5")):
        assert f'href="{video}#t={moment}">{shown}</a>' in card
    # The player loads only the video's metadata (a ranged request), so it is cued to the
    # cited moment before any click (tests/monitor/test_claim_video_browser.py), with its
    # poster; its frames load lazily.
    assert 'preload="metadata"' in card and 'poster="/archive/artifacts/' in card
    assert all('loading="lazy"' in img for img in re.findall(r"<img [^>]+>", card))


def test_every_stance_is_listed_with_an_explicit_empty_state(client: Client) -> None:
    make_claim_world()
    html = page_of(client)
    assert 'id="stance-supports">' in html and 'Supports <span class="count">(2)</span>' in html
    assert 'Context <span class="count">(2)</span>' in html
    # "None found" is said, not left to an absent heading.
    assert 'id="stance-contradicts"><span class="stance-mark" aria-hidden="true"></span>' in html
    assert 'Contradicts <span class="count">(0)</span>' in html
    assert 'data-empty="contradicts"' in html
    assert "None found: no published evidence contradicts this claim so far." in html
    assert 'data-empty="supports"' not in html


def test_a_claim_without_evidence_says_so_under_every_stance(client: Client) -> None:
    ClaimFactory(slug="bare")
    html = page_of(client, "/claims/bare/")
    assert "No published evidence yet." in html
    assert html.count('class="empty" data-empty=') == 3


def test_the_verdict_comes_first_in_words_with_strength_and_right_of_reply(
    client: Client,
) -> None:
    make_claim_world()
    html = page_of(client)
    block = html[
        html.index('class="verdict-block') : html.index("</section>", html.index("verdict-block"))
    ]
    assert 'verdict-block verdict-supported"' in block
    assert ">Supported</span>" in block  # colour never alone: the word is there
    assert "Independent evidence points the same way" in block
    finding = html[html.index('class="finding"') : html.index('class="bylines')]
    assert "Evidence strength" in finding and "<strong>Moderate</strong>" in finding
    assert "Right of reply" in finding
    assert finding.index("verdict-block") < finding.index("Evidence strength")
    assert html.index('class="finding"') < html.index('id="evidence-heading"')


def test_the_bylines_name_people_only_by_their_public_display_name(
    client: Client, alice, bob, carol
) -> None:
    world = make_claim_world()
    world.claim.created_by = carol  # no display name: the page never shows "carol"
    world.claim.save()
    AuditEntry.objects.create(
        actor=bob,
        actor_name=bob.username,
        action="claim.publish",
        target_type="catalog.claim",
        target_id=str(world.claim.pk),
    )
    html = page_of(client)
    bylines = html[html.index('class="bylines') : html.index("</p>", html.index('class="bylines'))]
    assert "Logged on" in bylines
    assert "reviewed and published by <strong>Bob Moderator</strong> on" in bylines
    assert "carol" not in bylines and ">bob<" not in bylines
    world.claim.created_by = alice
    world.claim.save()
    bump_version()  # what the commit would do (this test runs inside one transaction)
    assert "Logged by <strong>Alice Editor</strong> on" in page_of(client)


def test_absolute_links_use_the_host_the_request_came_to(client: Client, settings) -> None:
    """Problem 3: the cite box, og:url, canonical and JSON-LD pointed at SITE_URL."""
    settings.ALLOWED_HOSTS = ["trainedon.test", "127.0.0.1"]
    settings.SITE_URL = "https://nowhere.invalid"
    make_claim_world()
    html = page_of(client, HTTP_HOST="127.0.0.1:8765")
    here = "http://127.0.0.1:8765/claims/vidgen-blockcraft-footage/"
    assert f'<link rel="canonical" href="{here}">' in html
    assert f'<meta property="og:url" content="{here}">' in html
    assert re.search(r'id="citation">[^<]*' + re.escape(here), html)
    assert re.search(r"citation-apa[^>]*>[^<]*from " + re.escape(here), unescape(html))
    assert "\\url{" + here + "}" in unescape(html)
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert ld["url"] == here
    assert re.search(
        r'og:image" content="http://127\.0\.0\.1:8765/claims/vidgen-blockcraft-footage/card\.png\?v=\d+"',
        html,
    )
    assert "nowhere.invalid" not in html
    # The same address on another allowed host: its own links, not the cached page's.
    other = page_of(client, HTTP_HOST="trainedon.test", **{"wsgi.url_scheme": "https"})
    assert '<link rel="canonical" href="https://trainedon.test/claims/' in other
    assert "127.0.0.1:8765" not in other
    # A host that is not allowed gets a 400, never a page linking to it.
    assert client.get(URL, HTTP_HOST="evil.example").status_code == 400


def test_the_citation_comes_in_plain_apa_and_bibtex_without_javascript(client: Client) -> None:
    make_claim_world()
    html = unescape(page_of(client))
    assert re.search(
        r'id="citation">TrainedOn\. “Vidgen was trained on Blockcraft gameplay footage\.” Verdict: Supported\. Last updated \d{4}-\d\d-\d\d\. http',
        html,
    )
    assert re.search(
        r"TrainedOn\. \(\d{4}, [A-Z][a-z]+ \d{1,2}\)\. Vidgen was trained on Blockcraft gameplay "
        r"footage \[Claim review: Supported\]\. Retrieved ",
        html,
    )
    assert "@misc{trainedon-vidgen-blockcraft-footage," in html
    assert "<summary>APA</summary>" in html and "<summary>BibTeX</summary>" in html
    # The copy buttons are added by a same-origin script (the CSP refuses inline ones).
    assert re.search(r'<script src="/static/js/claim[^"]*\.js" defer></script>', html)
    assert bibtex_escape("50% of {x} & y_1") == r"50\% of \{x\} \& y\_1"
    # Share links are plain links: nothing loads from those sites until clicked.
    assert "https://bsky.app/intent/compose?text=" in html
    assert "<iframe" not in html


def test_the_share_card_is_a_png_with_the_verdict_cached_until_the_claim_changes(
    client: Client,
) -> None:
    world = make_claim_world()
    html = page_of(client)
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    card_url = re.search(r'og:image" content="http://testserver([^"]+)"', html)[1]  # type: ignore[index]
    response = client.get(card_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "max-age=604800" in response["Cache-Control"]  # ?v= names this version
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert (image.format, image.size) == ("PNG", (1200, 630))
    # The verdict band is drawn in the verdict's colour (supported: green).
    assert image.convert("RGB").getpixel((70, 190)) == (22, 101, 52)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(card_url)
    assert again.content == response.content and len(queries) == 1  # the claim, not a redraw
    assert client.get(card_url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    world.claim.verdict = Verdict.REFUTED
    world.claim.save()
    changed = client.get(card_url.split("?")[0])
    assert changed["ETag"] != response["ETag"]
    assert "max-age=300" in changed["Cache-Control"]  # an address without the version
    refuted = Image.open(io.BytesIO(changed.content)).convert("RGB")
    assert refuted.getpixel((70, 190)) == (153, 27, 27)


def test_an_unpublished_claim_has_no_share_card(client: Client, carol) -> None:
    draft = ClaimFactory(
        slug="a-draft", state=PublicationState.DRAFT, published_at=None, created_by=carol
    )
    assert client.get("/claims/a-draft/card.png").status_code == 404
    client.force_login(carol)  # not even for its author: the card is for public links
    assert client.get("/claims/a-draft/card.png").status_code == 404
    assert client.get("/claims/no-such-claim/card.png").status_code == 404
    assert draft.pk


def test_the_edit_link_is_for_those_who_may_edit_and_never_in_the_anonymous_cache(
    alice, dave
) -> None:
    world = make_claim_world()
    edit = f'href="/editor/claims/{world.claim.slug}/edit/"'
    anonymous = Client()
    assert edit not in page_of(anonymous)  # stored in the page cache now
    editor = Client()
    editor.force_login(alice)
    assert edit in page_of(editor)
    contributor = Client()
    contributor.force_login(dave)  # may see the published claim, may not change it
    assert edit not in page_of(contributor)
    with CaptureQueriesContext(connection) as queries:
        cached = page_of(anonymous)
    assert len(queries) == 0  # served from the cache, which the editor's page did not touch
    assert edit not in cached
    bump_version()
    editor.get(URL)  # the editor renders first after a change
    assert edit not in page_of(anonymous)


def test_the_claim_page_with_50_items_weighs_at_most_150_kb_compressed(client: Client) -> None:
    """Page weight budget: the HTML and the two stylesheets, gzip-compressed."""
    make_claim_world(extra=46)
    html = page_of(client)
    assert html.count('class="evidence card ') == 50
    css = b"".join(
        (Path(settings.BASE_DIR) / "static" / "css" / name).read_bytes()
        for name in ("site.css", "claim.css")
    )
    js = (Path(settings.BASE_DIR) / "static" / "js" / "claim.js").read_bytes()
    weight = len(gzip.compress(html.encode())) + len(gzip.compress(css)) + len(gzip.compress(js))
    assert weight <= 150 * 1024, weight
    # No image loads before it is scrolled to.
    assert all('loading="lazy"' in img for img in re.findall(r"<img [^>]+>", html))


def test_french_readers_get_the_finding_the_empty_states_and_the_states_in_french(
    client: Client,
) -> None:
    world = make_claim_world()
    html = page_of(client, "/fr" + URL)
    assert "Affirmation sur des données d’entraînement d’IA" in html
    assert (
        "Aucune pour l’instant\u00a0: aucune preuve publiée ne contredit cette affirmation." in html
    )
    assert "Consignée le" in html
    assert "Partager\u00a0:" in html
    card = card_of(html, world.failed.pk)
    assert "dernière tentative le" in card and "fiche d’archivage" in card


@pytest.mark.parametrize("prefix", ["", "/fr"])
def test_the_page_dates_are_those_of_the_date_filter_in_the_readers_language(
    client: Client, prefix: str
) -> None:
    """The view formats the page's dates once (`Localized`, isoformat): the same text as
    ``|date:"DATE_FORMAT"`` and ``|date:"c"``, a day late in the evening included."""
    world = make_claim_world()
    claim = world.claim
    claim.first_seen = date(2024, 2, 29)
    claim.created_at = datetime(2024, 3, 1, 23, 59, tzinfo=UTC)
    claim.published_at = datetime(2024, 3, 2, 0, 1, tzinfo=UTC)
    claim.save()
    Claim.objects.filter(pk=claim.pk).update(created_at=claim.created_at)
    claim.refresh_from_db()
    bump_version()
    html = page_of(client, prefix + URL)
    with translation.override(prefix.strip("/") or "en"):
        day = {
            name: date_format(timezone.localtime(value), "DATE_FORMAT")
            for name, value in (("logged", claim.created_at), ("updated", claim.updated_at))
        }
        reviewed = date_format(timezone.localtime(claim.published_at), "DATE_FORMAT")
        seen = date_format(claim.first_seen, "DATE_FORMAT")
    bylines = html[html.index('class="bylines') : html.index("</p>", html.index('class="bylines'))]
    assert day["logged"] in bylines and reviewed in bylines and day["updated"] in bylines
    assert f'<time datetime="2024-02-29">{seen}</time>' in html
    published = timezone.localtime(claim.published_at).isoformat()
    modified = timezone.localtime(claim.updated_at).isoformat()
    assert f'<meta property="article:published_time" content="{published}">' in html
    assert f'<meta property="article:modified_time" content="{modified}">' in html
