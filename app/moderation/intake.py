"""What the public sends in: suggestions and reader flags, and the spam defences.

Defences, cheapest first: rate limits per IP address and per account
(`app.accounts.ratelimits`, on the shared cache), a honeypot field, a signed
timestamp proving the form was not filled faster than a person can, size
limits on every field, and duplicate detection of known addresses. A
suggestion never starts a capture: the address is only normalized and
stored until a moderator accepts it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from app.accounts import ratelimits
from app.accounts.models import User
from app.catalog.models import Claim, Evidence, Source
from app.lib.urls import normalize_url
from app.moderation import conf
from app.moderation.models import Flag, Suggestion

FORM_SALT = "moderation.form-started"
STATUS_SALT = "moderation.suggestion-status"


class SpamRefused(Exception):
    """The submission looks automated; the message tells a person what to do."""


def client_ip(request: HttpRequest) -> str:
    """The address the rate limits also key on (REMOTE_ADDR; set by the proxy in production)."""
    return ratelimits.client_ip(request)


def ip_hash(ip: str) -> str:
    """A keyed hash: lets moderators spot one sender without keeping the address."""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def rate_limited(request: HttpRequest, *, group: str) -> bool:
    """Count this request against limit ``group`` ("suggest", "flag"): per IP and account."""
    return ratelimits.limited(request, group)


def form_token(*, now: float | None = None) -> str:
    """A signed "form shown at" time, checked when the form comes back."""
    return signing.dumps({"t": int(now if now is not None else time.time())}, salt=FORM_SALT)


def check_form_token(token: str, *, now: float | None = None) -> None:
    """Raise SpamRefused when the token is missing, forged, stale, or too fresh."""
    now = now if now is not None else time.time()
    try:
        started = float(signing.loads(token, salt=FORM_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise SpamRefused(_("This form has expired or was altered. Reload the page.")) from None
    if now - started > conf.number("MODERATION_FORM_MAX_AGE"):
        raise SpamRefused(_("This form has expired. Reload the page and send it again."))
    if now - started < conf.number("MODERATION_FORM_MIN_SECONDS"):
        raise SpamRefused(
            _("That was faster than a person can type. Wait a few seconds and send it again.")
        )


def status_token(suggestion: Suggestion) -> str:
    """A private, stable link token: the id signed with SECRET_KEY (no expiry)."""
    return signing.Signer(salt=STATUS_SALT).sign(str(suggestion.pk))


def suggestion_from_token(token: str) -> Suggestion | None:
    try:
        raw = signing.Signer(salt=STATUS_SALT).unsign(token)
    except signing.BadSignature:
        return None
    qs = Suggestion.objects.select_related("claim", "result_claim", "source")
    return qs.filter(pk=int(raw)).first() if raw.isdigit() else None


@dataclass(frozen=True)
class SubmitResult:
    suggestion: Suggestion
    known_source: Source | None


def suggestion_submit(
    *,
    kind: str,
    url: str,
    summary: str,
    statement: str = "",
    stance: str = "supports",
    language: str = "en",
    claim: Claim | None = None,
    actor: User | None,
    ip: str,
) -> SubmitResult:
    """Store a suggestion for review. No source is created and nothing is fetched.

    Raises `app.lib.urls.InvalidURL` for text that is not an http(s) address.
    """
    normalized = normalize_url(url)
    known = Source.objects.filter(normalized_url=normalized).first()
    with transaction.atomic():
        suggestion = Suggestion.objects.create(
            kind=kind,
            url=url.strip(),
            normalized_url=normalized,
            statement=statement.strip(),
            summary=summary.strip(),
            stance=stance,
            language=language,
            claim=claim,
            source=known,
            was_known=known is not None,
            suggested_by=actor if actor and actor.is_authenticated else None,
            ip_hash=ip_hash(ip),
        )
    return SubmitResult(suggestion, known)


def flag_submit(
    *,
    claim: Claim,
    evidence: Evidence | None,
    reason: str,
    note: str,
    actor: User | None,
    ip: str,
) -> Flag:
    return Flag.objects.create(
        claim=claim,
        evidence=evidence,
        reason=reason,
        note=note.strip(),
        reporter=actor if actor and actor.is_authenticated else None,
        ip_hash=ip_hash(ip),
    )
