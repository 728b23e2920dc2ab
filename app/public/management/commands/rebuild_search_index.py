from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from app.public import search


class Command(BaseCommand):
    help = (
        "Re-read the archived text of every source and re-tokenize the stored search vectors "
        "(PostgreSQL), in committed batches. Safe to run while the site serves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        counts = search.rebuild(batch_size=options["batch_size"])
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt ({summary})."))
