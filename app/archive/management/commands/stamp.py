"""``manage.py stamp``: RFC 3161 timestamps for captures that have a manifest but no token yet.

Runs in the foreground (no broker needed) against every authority in
``TSA_URLS``; an authority already heard from for a capture is skipped, so
running it again only fills gaps. Exit 1 when some authority failed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from app.archive.models import WITH_FILES, ArtifactKind, Capture
from app.archive.timestamps import stamp_capture, token_name, tsa_urls


class Command(BaseCommand):
    help = "Timestamp the manifests of existing captures with every configured authority."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--capture", type=int, action="append", help="Only this capture.")
        parser.add_argument(
            "--limit", type=int, default=0, help="Stop after this many captures (0: all)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        urls = tsa_urls()
        if not urls:
            raise CommandError("TSA_URLS is empty: no time-stamping authority is configured.")
        captures = Capture.objects.filter(status__in=WITH_FILES).exclude(manifest_sha256="")
        if options["capture"]:
            captures = captures.filter(pk__in=options["capture"])
        wanted = {token_name(u) for u in urls}
        done = failed = 0
        for capture in captures.order_by("pk").iterator():
            have = set(
                capture.artifacts.filter(kind=ArtifactKind.TIMESTAMP).values_list("name", flat=True)
            )
            if wanted <= have:
                continue
            outcome = stamp_capture(capture.pk, urls=urls)
            for url in outcome.stamped:
                self.stdout.write(f"capture {capture.pk}: stamped by {url}")
            for url, error in outcome.failed.items():
                self.stderr.write(f"capture {capture.pk}: {url} failed: {error}")
            done += 1
            failed += bool(outcome.failed)
            if options["limit"] and done >= options["limit"]:
                break
        self.stdout.write(f"{done} captures stamped or tried, {failed} with a failure")
        if failed:
            raise CommandError(f"{failed} captures miss a timestamp", returncode=1)
