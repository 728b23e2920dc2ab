"""What each word of the ledger's vocabulary means, for readers (the methodology page)."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from app.catalog.choices import DeveloperResponse, EvidenceKind, Stance, Strength, Verdict

VERDICTS: dict[str, Promise] = {
    Verdict.UNVERIFIED: _(
        "The claim has been reported, but the evidence so far neither establishes nor rules it "
        "out. This is where every claim starts."
    ),
    Verdict.SUPPORTED: _(
        "Independent evidence points the same way and nothing credible contradicts it, but the "
        "developer has not confirmed it and no document proves it."
    ),
    Verdict.CONFIRMED: _(
        "The developer, a court filing, a dataset listing or another primary document "
        "establishes that the content was used for training."
    ),
    Verdict.DISPUTED: _(
        "Credible evidence points both ways, or the developer denies the claim with some "
        "supporting detail."
    ),
    Verdict.REFUTED: _(
        "Primary evidence shows the claim is false, for example because the model was trained "
        "before the content existed."
    ),
    Verdict.RETRACTED: _(
        "The people who first made the claim have withdrawn it. It stays in the ledger so "
        "links keep working and the history stays visible."
    ),
}

STRENGTHS: dict[str, Promise] = {
    Strength.NONE: _("An editor has not yet weighed the evidence as a whole."),
    Strength.WEAK: _("A single report, or outputs that only loosely resemble the content."),
    Strength.MODERATE: _(
        "Several consistent reports or reproducible output comparisons from independent people."
    ),
    Strength.STRONG: _(
        "Primary documents, statements by the developer, or close reproductions of specific "
        "content that others have verified."
    ),
}

KINDS: dict[str, Promise] = {
    EvidenceKind.DEVELOPER_DISCLOSURE: _(
        "What the developer itself declared about the training data in a formal document: a "
        "public summary of training content under the EU AI Act, a model card, a paper."
    ),
    EvidenceKind.DATASET_MEMBERSHIP: _(
        "The content is listed in a dataset: an index of the dataset's members, its files or "
        "its documentation."
    ),
    EvidenceKind.DATASET_USE: _(
        "A document shows that the model was trained on a dataset (which may or may not contain "
        "the content)."
    ),
    EvidenceKind.LEAKED_DOCUMENT: _(
        "An internal document of the developer that was not meant to be published. We describe "
        "how it became public and what could be checked about it."
    ),
    EvidenceKind.COURT_FILING: _(
        "A complaint, an answer, a motion or an exhibit filed in a court case: what a party "
        "says, not what the court found."
    ),
    EvidenceKind.COURT_FINDING: _(
        "What a court found or ruled. A finding that a use was fair is not a finding that the "
        "model was not trained on the content."
    ),
    EvidenceKind.OUTPUT_COMPARISON: _(
        "Outputs of the model set beside the content they resemble (an image, a video frame, a "
        "passage of text), with the model version, the date, the prompts and how many attempts."
    ),
    EvidenceKind.DEVELOPER_STATEMENT: _(
        "What the company has said about the claim outside a formal disclosure: a reply to "
        "journalists, a blog post, a denial."
    ),
    EvidenceKind.THIRD_PARTY_REPORT: _(
        "Reporting by someone other than the developer or a court: an investigation, an NGO "
        "report, a researcher's write-up."
    ),
    EvidenceKind.NEWS_REPORT: _("An article by a news organization reporting on the claim."),
    EvidenceKind.DOCUMENT: _(
        "A contract, a listing or another document that names the training content and fits "
        "none of the kinds above."
    ),
    EvidenceKind.RESEARCH: _(
        "A study or analysis, such as a membership-inference test or a dataset audit."
    ),
    EvidenceKind.TESTIMONY: _("An account by someone with direct knowledge, such as an employee."),
}

STANCES: dict[str, Promise] = {
    Stance.SUPPORTS: _("The item makes the claim more likely to be true."),
    Stance.CONTRADICTS: _("The item makes the claim less likely to be true."),
    Stance.CONTEXT: _(
        "The item helps to judge the claim without pointing either way, such as a developer's "
        "general statement about its data."
    ),
}

RESPONSES: dict[str, Promise] = {
    DeveloperResponse.NOT_CONTACTED: _("We have not asked the developer yet."),
    DeveloperResponse.CONTACTED: _("We asked the developer and are waiting for an answer."),
    DeveloperResponse.REPLIED: _("The developer answered; the answer is cited as evidence."),
    DeveloperResponse.DECLINED: _("The developer declined to comment."),
    DeveloperResponse.NO_RESPONSE: _("The developer did not answer within two weeks."),
}


def glossary(
    choices: type[models.TextChoices], texts: dict[str, Promise]
) -> list[tuple[str, str, Promise]]:
    return [(value, str(label), texts[value]) for value, label in choices.choices]
