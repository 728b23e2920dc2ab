"""Demo records for `seed_demo`: a fictitious EU summary for the demo model that is
silent on game footage, the gap it leaves, and a fictitious case. Every record is
marked ``is_demo`` and says so on its page.

Like the rest of the demo, the records are written as published directly: the
seed is a fixture loader with no acting user, not an editorial decision.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db import transaction

from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import Claim, Entity, Source
from app.disclosures.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseParty,
    Disclosure,
    DisclosureKind,
    DisclosureSection,
    GapEntry,
    GapState,
    MarketPresence,
    PartyRole,
)
from app.disclosures.sections import CODES

PUBLISHED_AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
MODEL = "sora"
CLAIM = "sora-trained-on-video-game-footage"
STATEMENT_URL = "https://demo.trainedon.example/statements/openai-sora-training-data"
REPORT_URL = "https://demo.trainedon.example/news/2024/12/sora-game-footage"
CASE_SLUG = "demo-streamer-collective-v-openai"

SECTIONS: dict[str, tuple[str, dict[str, object]]] = {
    "1.1": ("Demo provider identification (fictitious).", {"provider_name": "OpenAI (demo)"}),
    "1.2": ("", {"model_names": ["Sora (demo version)"], "placed_on_market": "2025-08-02"}),
    "1.3": (
        "Video and images. The content types listed do not include video games.",
        {
            "modalities": ["image", "video"],
            "video_size": "10k_1m",
            "content_types": ["photography", "films", "tv"],
            "continuous_training": "no",
        },
    ),
    "2.1": ("Publicly available image and video datasets.", {"datasets": ["Demo-Video-Set"]}),
    "2.2.1": ("Licensed stock footage.", {"datasets": ["A stock footage library (demo)"]}),
    "2.3": (
        "Publicly available web data collected by our crawler.",
        {"crawlers": ["DemoBot"], "behaviour": "Respects robots.txt.", "domains": []},
    ),
    "3.1": ("We honour machine-readable opt-outs.", {}),
}


@transaction.atomic
def seed_disclosures_demo() -> dict[str, int]:
    """Idempotent: running it twice changes nothing. Needs the catalog demo first."""
    model = Entity.objects.filter(slug=MODEL, kind=EntityKind.MODEL).first()
    claim = Claim.objects.filter(slug=CLAIM).first()
    statement = Source.objects.filter(url=STATEMENT_URL).first()
    report = Source.objects.filter(url=REPORT_URL).first()
    if model is None or claim is None or statement is None or report is None:
        return {"disclosures": 0, "gap": 0, "cases": 0}
    published = {"state": PublicationState.PUBLISHED, "published_at": PUBLISHED_AT, "is_demo": True}
    MarketPresence.objects.get_or_create(
        model=model,
        defaults={"placed_on": date(2025, 8, 2), "note": "Demo: fictitious market date."},
    )
    disclosure, made = Disclosure.objects.get_or_create(
        model=model,
        kind=DisclosureKind.EU_SUMMARY,
        is_demo=True,
        defaults={
            "title": "Public summary of training content: Sora (demo, fictitious)",
            "version_label": "demo-1",
            "source": statement,
            "published_on": date(2025, 8, 2),
            **published,
        },
    )
    if made:
        DisclosureSection.objects.bulk_create(
            DisclosureSection(
                disclosure=disclosure,
                code=code,
                text=SECTIONS.get(code, ("", {}))[0],
                data=SECTIONS.get(code, ("", {}))[1],
            )
            for code in CODES
        )
    gaps = 0
    for section, note in (
        ("1.3", "The summary lists photography, films and TV, not video games (demo)."),
        ("2.3", "The crawled-data section names no game or streaming site (demo)."),
    ):
        _entry, made_entry = GapEntry.objects.get_or_create(
            claim=claim,
            model=model,
            section=section,
            defaults={
                "gap_state": GapState.SILENT,
                "note": note,
                "disclosure": disclosure,
                **published,
            },
        )
        gaps += made_entry
    case, made_case = Case.objects.get_or_create(
        slug=CASE_SLUG,
        defaults={
            "title": "Streamer Collective v. OpenAI (demo, fictitious)",
            "court": "Demo District Court (fictitious)",
            "docket_number": "DEMO-25-0001",
            "filed_on": date(2025, 3, 3),
            "judge": "Demo Judge",
            "summary": "A fictitious case for the demonstration site: streamers allege that "
            "their recorded streams were used to train the model.",
            **published,
        },
    )
    if made_case:
        plaintiff, _ = Entity.objects.get_or_create(
            slug="demo-streamer-collective",
            defaults={"kind": EntityKind.ORGANIZATION, "name": "Streamer Collective (demo)"},
        )
        CaseParty.objects.create(case=case, entity=plaintiff, role=PartyRole.PLAINTIFF)
        if model.developer is not None:
            CaseParty.objects.create(case=case, entity=model.developer, role=PartyRole.DEFENDANT)
        exhibit = CaseDocument.objects.create(
            case=case, docket_entry="1-2", title="Exhibit B: press report (demo)",
            filed_on=date(2025, 3, 3), source=report,
        )  # fmt: skip
        CaseEvent.objects.create(case=case, date=date(2025, 3, 3), kind="complaint",
                                 title="Complaint filed (demo)", document=exhibit)  # fmt: skip
        CaseEvent.objects.create(case=case, date=date(2025, 6, 10), kind="motion_to_dismiss",
                                 title="Motion to dismiss filed (demo)")  # fmt: skip
        case.claims.add(claim)
        case.models_concerned.add(model)
    return {"disclosures": int(made), "gap": gaps, "cases": int(made_case)}
