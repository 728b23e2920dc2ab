"""The closed vocabularies of the domain (DESIGN.md), shared by models and pages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntityKind(models.TextChoices):
    MODEL = "model", _("AI model")
    ORGANIZATION = "organization", _("Organization")
    WORK = "work", _("Work or content")
    CREATOR = "creator", _("Creator")
    DATASET = "dataset", _("Dataset")


class Verdict(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    SUPPORTED = "supported", _("Supported")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")
    REFUTED = "refuted", _("Refuted")
    RETRACTED = "retracted", _("Retracted")


class Strength(models.TextChoices):
    NONE = "", _("Not assessed")
    WEAK = "weak", _("Weak")
    MODERATE = "moderate", _("Moderate")
    STRONG = "strong", _("Strong")


class DeveloperResponse(models.TextChoices):
    NOT_CONTACTED = "not_contacted", _("Not contacted")
    CONTACTED = "contacted", _("Contacted")
    REPLIED = "replied", _("Replied")
    DECLINED = "declined", _("Declined to comment")
    NO_RESPONSE = "no_response", _("No response")


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EvidenceKind(models.TextChoices):
    """How a piece of evidence was obtained (docs/disclosures.md, "Evidence kinds").

    The values from before the field's kinds stay valid; the two that mean the
    same as a field kind carry its label (``output_comparison`` is the
    output-resemblance test, ``developer_statement`` the company statement).
    """

    DEVELOPER_DISCLOSURE = "developer_disclosure", _("Developer disclosure")
    DATASET_MEMBERSHIP = "dataset_membership", _("Dataset membership")
    DATASET_USE = "dataset_use", _("Dataset use")
    LEAKED_DOCUMENT = "leaked_document", _("Leaked internal document")
    COURT_FILING = "court_filing", _("Court filing")
    COURT_FINDING = "court_finding", _("Court finding")
    OUTPUT_COMPARISON = "output_comparison", _("Output-resemblance test")
    DEVELOPER_STATEMENT = "developer_statement", _("Company statement or denial")
    THIRD_PARTY_REPORT = "third_party_report", _("Third-party reporting")
    NEWS_REPORT = "news_report", _("News report")
    DOCUMENT = "document", _("Other document")
    RESEARCH = "research", _("Research or analysis")
    TESTIMONY = "testimony", _("Testimony")


class Grounding(models.TextChoices):
    """Whether an evidence item rests on what was observed or on inference (shown to readers)."""

    NOT_ASSESSED = "", _("Not assessed")
    GROUNDED = "grounded", _("Grounded")
    SPECULATIVE = "speculative", _("Speculative")


class Stance(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    CONTRADICTS = "contradicts", _("Contradicts")
    CONTEXT = "context", _("Context")


class SourceKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    VIDEO = "video", _("Video")
    STREAM = "stream", _("Stream or VOD")
    SOCIAL = "social", _("Social post")
    DOCUMENT = "document", _("Document")
    DATASET = "dataset", _("Dataset page")


class OnlineStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked yet")
    ALIVE = "alive", _("Online")
    CHANGED = "changed", _("Changed since archived")
    MOVED = "moved", _("Moved")
    GONE = "gone", _("Removed")
    BLOCKED = "blocked", _("Blocked")


def choice_values(choices: type[models.TextChoices]) -> list[str]:
    return [str(value) for value in choices.values]
