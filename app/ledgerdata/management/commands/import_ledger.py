"""``manage.py import_ledger FILE [FILE ...]``: bulk import, as drafts or pending review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from app.ledgerdata.importer import FILE_TYPES, import_file
from app.ledgerdata.services import import_user

ORDER = list(FILE_TYPES)


def _rank(path: Path) -> int:
    stem = path.name.split(".")[0]
    return ORDER.index(stem) if stem in ORDER else -1


class Command(BaseCommand):
    help = (
        "Import claims, evidence, sources and entities from JSON Lines (API v1 shapes) or the "
        "CSV form (docs/data.md). Imported items are pending review (drafts with --drafts), "
        "never published; importing the same file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="+", help=".jsonl, .csv (optionally .gz), or a dump folder"
        )
        parser.add_argument(
            "--user", default="", help="the editor importing (default: ledger-import)"
        )
        parser.add_argument("--drafts", action="store_true", help="keep items as drafts")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = import_user(options["user"])
        paths: list[Path] = []
        for name in options["files"]:
            path = Path(name)
            if path.is_dir():  # a dump: its record types in dependency order
                found = [p for p in path.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz"))]
                paths += sorted((p for p in found if _rank(p) >= 0), key=_rank)
            elif path.is_file():
                paths.append(path)
            else:
                raise CommandError(f"No such file: {name}")
        refused = 0
        for path in paths:
            with path.open("rb") as handle:
                outcome = import_file(handle, path.name, actor=actor, submit=not options["drafts"])
            for problem in outcome.problems:
                where = f"{path.name}:{problem['line']}: {problem['field'] or '-'}"
                self.stderr.write(f"{where}: {problem['message']}")
            self.stdout.write(
                f"{path.name}: {outcome.processed} records, {outcome.created} created, "
                f"{outcome.unchanged} already there, {outcome.refused} refused, "
                f"{outcome.captures_queued} captures queued"
            )
            refused += outcome.refused
        if refused:
            raise CommandError(f"{refused} records refused (listed above).", returncode=2)
