"""``manage.py verify_archive``: re-hash every stored artifact; exit 1 on any mismatch.

Checks each artifact file against the size and SHA-256 recorded when it was
written, each manifest against its recorded hash, and each manifest's file
list against the capture's artifacts. Prints every problem, then a summary.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Prefetch

from app.archive.models import Artifact, Capture
from app.archive.verify import Problem, verify_capture


class Command(BaseCommand):
    help = "Re-hash every stored artifact and check the manifests; exit 1 on any mismatch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--capture", type=int, action="append", help="Only these captures.")
        parser.add_argument(
            "--package", metavar="FILE", help="Check an evidence package (ZIP) offline instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("package"):
            return self.handle_package(options["package"])
        captures = Capture.objects.filter(artifacts__isnull=False).distinct().order_by("pk")
        if options["capture"]:
            captures = captures.filter(pk__in=options["capture"])
        captures = captures.prefetch_related(
            Prefetch("artifacts", queryset=Artifact.objects.order_by("pk"))
        )
        problems: list[Problem] = []
        checked = files = 0
        for capture in captures.iterator(chunk_size=200):
            found = verify_capture(capture)
            checked += 1
            files += len(capture.artifacts.all())
            for problem in found:
                self.stderr.write(f"MISMATCH {problem}")
            problems.extend(found)
        summary = f"{checked} captures, {files} files checked, {len(problems)} problems"
        if problems:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def handle_package(self, path: str) -> None:
        from app.archive.package import verify_package

        problems = verify_package(path)
        for problem in problems:
            self.stderr.write(f"MISMATCH {problem}")
        summary = f"package {path}: {len(problems)} problems"
        if problems:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
