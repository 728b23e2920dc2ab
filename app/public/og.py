"""The picture a shared claim link shows (``og:image``): the verdict and the statement.

A 1200×630 PNG drawn with Pillow, in the reader's language, at
``/claims/<slug>/card.png``. Only published claims have one (the access module
decides, as for an anonymous reader: a draft's card is a 404 like its page).
Drawing one takes tens of milliseconds, so the PNG is kept in the cache under
the claim's ``updated_at``: any change to the claim draws a new one. The page
links it with ``?v=<updated_at>`` so a social site's cached copy is refreshed
too, and the response may be cached by browsers and proxies.
"""

from __future__ import annotations

import hashlib
import io
import logging

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language, gettext
from PIL import Image, ImageDraw

from app.catalog import access
from app.catalog.choices import Verdict
from app.catalog.models import Claim
from app.lib.fonts import font as _font

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
# Text colour on a background, each pair above 4.5:1; the verdict is also written out.
VERDICT_COLOURS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    Verdict.UNVERIFIED: ((226, 232, 240), (20, 40, 70)),
    Verdict.SUPPORTED: ((22, 101, 52), (255, 255, 255)),
    Verdict.CONFIRMED: ((20, 83, 45), (255, 255, 255)),
    Verdict.DISPUTED: ((253, 224, 71), (66, 32, 6)),
    Verdict.REFUTED: ((153, 27, 27), (255, 255, 255)),
    Verdict.RETRACTED: ((64, 64, 64), (255, 255, 255)),
}
INK = (17, 24, 39)
MUTED = (75, 85, 99)
BAND = (11, 79, 138)


def _wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of at most ``width`` pixels, the last one cut with …"""
    font = _font(size, bold=True)
    words = text.split()
    out: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out


def draw_card(statement: str, verdict: str, verdict_label: str, strength_label: str) -> bytes:
    """The card as PNG bytes (no database, no cache)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 84), fill=BAND)
    draw.text((60, 22), "TrainedOn", font=_font(36, bold=True), fill=(255, 255, 255))
    tagline = gettext("Claims about AI training data, with the evidence")
    draw.text((300, 32), tagline, font=_font(22), fill=(220, 232, 245))
    background, ink = VERDICT_COLOURS.get(verdict, VERDICT_COLOURS[Verdict.UNVERIFIED])
    label = f"{gettext('Verdict')}: {verdict_label}".upper()
    font = _font(40, bold=True)
    box_w = int(draw.textlength(label, font=font)) + 64
    draw.rounded_rectangle((60, 124, 60 + box_w, 204), radius=12, fill=background)
    draw.text((92, 142), label, font=font, fill=ink)
    if strength_label:
        strength = f"{gettext('Evidence strength')}: {strength_label}"
        draw.text((60 + box_w + 32, 150), strength, font=_font(28), fill=MUTED)
    size = 52 if len(statement) < 120 else 42
    lines = _wrap(draw, statement, size, WIDTH - 120, 5 if size == 42 else 4)
    y = 250
    for line in lines:
        draw.text((60, y), line, font=_font(size, bold=True), fill=INK)
        y += int(size * 1.28)
    draw.line((60, HEIGHT - 70, WIDTH - 60, HEIGHT - 70), fill=(209, 213, 219), width=2)
    footer = gettext("Every source archived, every change recorded")
    draw.text((60, HEIGHT - 54), footer, font=_font(24), fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def version_of(claim: Claim) -> str:
    """What the card depends on besides the language: the claim's last change."""
    # Microseconds: two changes within one second must not share a card.
    return str(int(claim.updated_at.timestamp() * 1_000_000))


def claim_card(request: HttpRequest, slug: str) -> HttpResponse:
    """The PNG card of a published claim (404 otherwise), from the cache when it can."""
    fields = ("id", "slug", "statement", "verdict", "evidence_strength", "updated_at", "state")
    claim = access.access_claim(access.ANONYMOUS, slug, queryset=Claim.objects.only(*fields))
    version = version_of(claim)
    key = f"og-card:{claim.pk}:{version}:{get_language()}"
    etag = quote_etag(hashlib.blake2s(key.encode(), digest_size=12).hexdigest())
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        try:
            png = cache.get(key)
        except Exception:  # a cache outage only costs drawing it again
            png = None
        if png is None:
            png = draw_card(
                claim.statement,
                claim.verdict,
                str(claim.get_verdict_display()),
                str(claim.get_evidence_strength_display()) if claim.evidence_strength else "",
            )
            try:
                cache.set(key, png, 7 * 24 * 3600)
            except Exception:
                logger.warning("Could not store a claim card in the cache", exc_info=True)
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(claim.updated_at.timestamp())
    # The page asks for ?v=<updated_at>: that address never changes content.
    fresh = request.GET.get("v") == version
    response["Cache-Control"] = "public, max-age=604800" if fresh else "public, max-age=300"
    return response
