"""Rebuild the ledger-wide counts' tables from scratch (`app.public.totals`), or check them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from app.public import totals


class Command(BaseCommand):
    help = "Recount the public evidence and public sources behind the ledger-wide numbers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="only compare them with the rules; exit 1 if off"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            problems = totals.differences()
            for line in problems[:50]:
                self.stdout.write(line)
            if problems:
                raise CommandError(f"{len(problems)} differences")
            self.stdout.write("The kept counts equal the rules' counts.")
            return
        totals.rebuild()
        self.stdout.write("Recounted.")
