"""Recognizing pages that stand in for the content: login walls, CAPTCHAs, rate limits.

Such a page answers 200 more often than not, and archiving it as the source
would be a lie. The rules are deliberately simple and conservative (a real
article rarely trips two of them at once):

- a challenge header (``cf-mitigated: challenge``) or a known CAPTCHA or bot
  wall marker in the HTML (Cloudflare, reCAPTCHA, hCaptcha, DataDome,
  PerimeterX, Turnstile) -> ``login_wall``;
- a password field, and either a sign-in title, a sign-in address
  (``/login``, ``/signin``...) or hardly any text besides the form ->
  ``login_wall``;
- a short page whose title or heading says "too many requests" /
  "rate limit" -> ``rate_limited``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.archive.models import ErrorClass

CAPTCHA_MARKERS = (
    "cf-chl-",
    "challenge-platform",
    "cf_chl_opt",
    "g-recaptcha",
    "recaptcha/api.js",
    "h-captcha",
    "hcaptcha.com/1/api.js",
    "captcha-delivery.com",
    "px-captcha",
    "challenges.cloudflare.com/turnstile",
)
CHALLENGE_TITLES = re.compile(
    r"just a moment|attention required|verify you are (a )?human|are you a robot|"
    r"security check|access denied|bot verification|captcha",
    re.IGNORECASE,
)
LOGIN_TITLES = re.compile(
    r"\b(sign[ -]?in|log[ -]?in|login|connexion|se connecter|anmelden|iniciar sesi[oó]n|"
    r"subscribe to (continue|read)|create an account)\b",
    re.IGNORECASE,
)
LOGIN_PATHS = re.compile(r"/(login|log-in|signin|sign-in|sign_in|auth|sso|account/login)\b", re.I)
RATE_LIMIT_TITLES = re.compile(r"too many requests|rate limit(ed)?|slow down", re.IGNORECASE)
PASSWORD_FIELD = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)
TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
SCRIPT_STYLE = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^>]+>")
# Under this many characters of visible text a page is "hardly anything but a form".
SHORT_TEXT = 600


@dataclass(frozen=True)
class Wall:
    error_class: str
    reason: str


def visible_text(html: str) -> str:
    return " ".join(TAG.sub(" ", SCRIPT_STYLE.sub(" ", html)).split())


def _first(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    return " ".join(TAG.sub(" ", match.group(1)).split()) if match else ""


def detect_wall(html: str, *, url: str, headers: list[tuple[str, str]]) -> Wall | None:
    """The kind of stand-in page ``html`` is, or None for ordinary content."""
    for name, value in headers:
        if name.lower() == "cf-mitigated" and "challenge" in value.lower():
            return Wall(ErrorClass.LOGIN_WALL, "the server answered with a bot challenge")
    head = html[:200_000]
    lowered = head.lower()
    title = _first(TITLE, head)
    heading = _first(HEADING, head)

    def short() -> bool:  # computed only when a rule needs it: it reads the whole page
        return len(visible_text(head)) < SHORT_TEXT

    for marker in CAPTCHA_MARKERS:
        if marker in lowered:
            return Wall(ErrorClass.LOGIN_WALL, f"CAPTCHA or bot wall ({marker})")
    if CHALLENGE_TITLES.search(title) and short():
        return Wall(ErrorClass.LOGIN_WALL, f"challenge page titled {title!r}")
    if PASSWORD_FIELD.search(head):
        if LOGIN_TITLES.search(title) or LOGIN_TITLES.search(heading):
            return Wall(ErrorClass.LOGIN_WALL, f"sign-in page titled {title or heading!r}")
        if LOGIN_PATHS.search(urlsplit(url).path):
            return Wall(ErrorClass.LOGIN_WALL, "redirected to a sign-in address")
        if short():
            return Wall(ErrorClass.LOGIN_WALL, "a password form and hardly any text")
    if (RATE_LIMIT_TITLES.search(title) or RATE_LIMIT_TITLES.search(heading)) and short():
        return Wall(ErrorClass.RATE_LIMITED, f"rate-limit page titled {title or heading!r}")
    return None
