"""Demo data for the graph: a fictitious game-clip dataset index and its links to Sora.

"GameClips-400 (fictitious)" lists a few hundred generated YouTube clips and
Twitch clip pages, some from the demo streamer (Auronplay's ``@auronplay``
channel and twitch.tv/auronplay). It is imported with the real path (the file
archived, then streamed in), and the two Sora demo claims carry the relations
work/creator -> GameClips -> Sora, so "Is my work in it?" answers on
``make run``. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import random
import tempfile
from pathlib import Path
from typing import Any

from app.catalog.choices import EntityKind
from app.catalog.models import Claim, Entity
from app.graph.importer import run_import
from app.graph.models import Attribution, DatasetVersion, ImportStatus, RelationKind
from app.graph.services import dataset_for, relation_add, version_claim, version_create

SLUG = "gameclips-400"
NAME = "GameClips-400 (fictitious)"
INDEX_URL = "https://demo.trainedon.example/datasets/gameclips-400/index.csv"
STREAMER_CHANNEL = "@auronplay"
GAMES = ["Minecraft", "Super Mario Bros.", "Call of Duty", "Fortnite", "Rocket League"]
ROWS = 400


def demo_video_id(n: int) -> str:
    return hashlib.sha256(f"gameclips-{n}".encode()).hexdigest()[:11].replace("f", "_")


def _rows() -> list[dict[str, str]]:
    rng = random.Random(400)
    rows = []
    for n in range(ROWS):
        game = GAMES[n % len(GAMES)]
        if n % 10 == 0:  # every tenth clip is a Twitch clip page of the demo streamer
            url = f"https://www.twitch.tv/auronplay/clip/demo-{n}"
            title = f"{game} stream highlight {n}"
            rows.append(
                {"kind": "page", "url": url, "title": title, "video_id": "", "channel_id": ""}
            )
            continue
        channel = (
            STREAMER_CHANNEL
            if n % 4 == 1
            else f"UC{hashlib.sha256(str(n % 23).encode()).hexdigest()[:22]}"
        )
        rows.append({"kind": "video", "url": "", "video_id": demo_video_id(n),
                     "channel_id": channel,
                     "title": f"{game} gameplay clip {rng.randint(1, 999)}"})  # fmt: skip
    return rows


def seed_graph_demo() -> dict[str, int]:
    """Add the demo dataset index and relations; returns how many rows were created."""
    made = {"dataset_rows": 0, "relations": 0}
    sora = Entity.objects.filter(slug="sora").first()
    games = Claim.objects.filter(slug="sora-trained-on-video-game-footage").first()
    twitch = Claim.objects.filter(slug="sora-trained-on-twitch-streams").first()
    if sora is None or games is None or twitch is None:
        return made  # the Sora demo case is not loaded
    entity, _ = Entity.objects.get_or_create(
        slug=SLUG,
        defaults={"name": NAME, "kind": EntityKind.DATASET,
                  "description": "A made-up index of game clips, for the demo only."},
    )  # fmt: skip
    dataset = dataset_for(entity)
    if not DatasetVersion.objects.filter(dataset=dataset, status=ImportStatus.DONE).exists():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "gameclips-400.csv"
            with path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, ["kind", "video_id", "channel_id", "url", "title"])
                writer.writeheader()
                writer.writerows(_rows())
            nobody: Any = None
            new = version_create(dataset=dataset, path=path, file_name=path.name,
                                 source_url=INDEX_URL, actor=nobody, label="demo")  # fmt: skip
            version_claim(new.version.pk)
            version = DatasetVersion.objects.select_related("artifact").get(pk=new.version.pk)
            made["dataset_rows"] = run_import(version).rows
    links = [
        (games, RelationKind.MEMBERSHIP, "minecraft", SLUG, ""),
        (games, RelationKind.USE, SLUG, "sora", Attribution.ALLEGED),
        (twitch, RelationKind.MEMBERSHIP, "auronplay", SLUG, ""),
        (twitch, RelationKind.USE, SLUG, "sora", Attribution.ALLEGED),
    ]
    for claim, kind, up, down, attribution in links:
        upstream = Entity.objects.filter(slug=up).first()
        downstream = Entity.objects.get(slug=down)
        if upstream is None:
            continue
        before = claim.relations.count()
        relation_add(claim=claim, kind=kind, upstream=upstream, downstream=downstream,
                     actor=None, attribution=attribution)  # fmt: skip
        made["relations"] += claim.relations.count() - before
    return made
