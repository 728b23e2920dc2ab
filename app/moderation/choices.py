"""Closed vocabularies of moderation: queue kinds, outcomes, reasons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    CLAIM = "claim", _("Claim")
    EVIDENCE = "evidence", _("Evidence")
    SUGGESTION = "suggestion", _("Public suggestion")
    FLAG = "flag", _("Reader flag")


class Action(models.TextChoices):
    """What a moderator can do to a queue item (not every kind accepts every action)."""

    PUBLISH = "publish", _("Publish")
    ACCEPT_PENDING = "accept_pending", _("Accept, keep pending")
    REJECT = "reject", _("Reject")
    CHANGES = "changes", _("Send back for changes")
    RESOLVE = "resolve", _("Resolve")
    DISMISS = "dismiss", _("Dismiss")


ACTIONS_BY_KIND: dict[str, tuple[str, ...]] = {
    ItemKind.CLAIM: (Action.PUBLISH, Action.REJECT, Action.CHANGES),
    ItemKind.EVIDENCE: (Action.PUBLISH, Action.REJECT, Action.CHANGES),
    ItemKind.SUGGESTION: (Action.PUBLISH, Action.ACCEPT_PENDING, Action.REJECT),
    ItemKind.FLAG: (Action.RESOLVE, Action.DISMISS),
}

# A bulk action names the intent; each kind maps it to its own action.
BULK_ACTIONS: dict[str, dict[str, str]] = {
    Action.PUBLISH: {
        ItemKind.CLAIM: Action.PUBLISH,
        ItemKind.EVIDENCE: Action.PUBLISH,
        ItemKind.SUGGESTION: Action.PUBLISH,
        ItemKind.FLAG: Action.RESOLVE,
    },
    Action.REJECT: {
        ItemKind.CLAIM: Action.REJECT,
        ItemKind.EVIDENCE: Action.REJECT,
        ItemKind.SUGGESTION: Action.REJECT,
        ItemKind.FLAG: Action.DISMISS,
    },
    Action.CHANGES: {ItemKind.CLAIM: Action.CHANGES, ItemKind.EVIDENCE: Action.CHANGES},
}


class RejectReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope: not about AI training data")
    NOT_SUPPORTED = "not_supported", _("Not supported by the evidence given")
    UNRELIABLE = "unreliable", _("Unreliable or unverifiable source")
    DUPLICATE = "duplicate", _("Duplicate of an existing entry")
    SPAM = "spam", _("Spam or abuse")
    OTHER = "other", _("Other (see the note)")


class SuggestionKind(models.TextChoices):
    CLAIM = "claim", _("A new claim")
    EVIDENCE = "evidence", _("Evidence for an existing claim")


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class FlagReason(models.TextChoices):
    WRONG = "wrong", _("Something is wrong")
    OUTDATED = "outdated", _("It is outdated")
    BROKEN_LINK = "broken_link", _("A link is broken")
    DUPLICATE = "duplicate", _("It is a duplicate")
    OTHER = "other", _("Other")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class Outcome(models.TextChoices):
    """What an author is told happened to their work."""

    PUBLISHED = "published", _("Published")
    ACCEPTED = "accepted", _("Accepted for review")
    REJECTED = "rejected", _("Rejected")
    CHANGES = "changes", _("Sent back for changes")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")
