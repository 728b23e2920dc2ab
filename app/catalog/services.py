"""Operations on the ledger that change more than one row (STYLE.md, habit 2)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from app.accounts.models import User
from app.catalog.choices import PublicationState, Strength, Verdict
from app.catalog.models import Claim, Source, VerdictChange
from app.lib.urls import normalize_url


@dataclass(frozen=True)
class SourceResult:
    source: Source
    created: bool


def source_get_or_create(*, url: str, actor: User | None = None, kind: str = "") -> SourceResult:
    """Find the source for an address (by normalized URL) or create it.

    Raises `app.lib.urls.InvalidURL` for text that is not an http(s) address.
    Does not start a capture; callers use `app.archive.services` for that.
    """
    normalized = normalize_url(url)
    existing = Source.objects.filter(normalized_url=normalized).first()
    if existing is not None:
        return SourceResult(existing, False)
    defaults: dict[str, object] = {"url": url.strip(), "added_by": actor}
    if kind:
        defaults["kind"] = kind
    try:
        with transaction.atomic():
            source, created = Source.objects.get_or_create(
                normalized_url=normalized, defaults=defaults
            )
    except IntegrityError:  # lost a race with another request adding the same address
        return SourceResult(Source.objects.get(normalized_url=normalized), False)
    return SourceResult(source, created)


def unique_slug(text: str, *, model: type[Claim] = Claim, max_length: int = 100) -> str:
    base = slugify(text)[:max_length].strip("-") or "claim"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return slug


@transaction.atomic
def verdict_set(
    *, claim: Claim, verdict: str, note: str, actor: User | None, strength: str | None = None
) -> VerdictChange:
    """Change a claim's verdict (and optionally its strength) with a public note."""
    if verdict not in Verdict.values:
        raise ValueError(f"Unknown verdict {verdict!r}.")
    if strength is not None and strength not in Strength.values:
        raise ValueError(f"Unknown evidence strength {strength!r}.")
    if not note.strip():
        raise ValueError("A verdict change needs a public note.")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    change = VerdictChange.objects.create(
        claim=claim,
        old_verdict=claim.verdict,
        new_verdict=verdict,
        old_strength=claim.evidence_strength,
        new_strength=claim.evidence_strength if strength is None else strength,
        note=note.strip(),
        changed_by=actor,
    )
    claim.verdict = verdict
    if strength is not None:
        claim.evidence_strength = strength
    claim._change_reason = f"verdict: {note.strip()[:80]}"  # type: ignore[attr-defined]
    claim.save(update_fields=["verdict", "evidence_strength", "updated_at"])
    return change


def claim_publish(*, claim: Claim, actor: User | None) -> Claim:
    claim.state = PublicationState.PUBLISHED
    claim.published_at = claim.published_at or timezone.now()
    claim.save(update_fields=["state", "published_at", "updated_at"])
    return claim
