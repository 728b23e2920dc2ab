"""manage.py import_dataset_index DATASET FILE: archive an index file and import it.

DATASET is the slug of an entity of kind dataset (``--create "Name"`` makes it).
The file is archived first (a capture of ``--source-url``, default the
dataset's website), then imported in this process, streaming, with a progress
line; rejected lines are counted and archived as a CSV report.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from app.archive.models import CaptureOrigin
from app.catalog.choices import EntityKind
from app.catalog.models import Entity
from app.catalog.services import entity_create
from app.graph import members
from app.graph.importer import Outcome, run_import
from app.graph.models import DatasetVersion, FileFormat, MemberKind
from app.graph.services import dataset_for, version_claim, version_create


class Command(BaseCommand):
    help = "Archive a dataset index file (CSV, JSONL, Parquet) and import it as a new version."
    # Like the worker's import (and ``migrate``), no system checks first: they cost about
    # 1 s of CPU a run (half the command's fixed cost; bench/README.md, helper A2);
    # ``runserver`` and ``manage.py check`` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", nargs="?", help="slug of the dataset entity")
        parser.add_argument("file", nargs="?", help="path of the index file")
        parser.add_argument(
            "--resume",
            type=int,
            metavar="VERSION_ID",
            default=0,
            help="import a version left queued (its worker was never rung)",
        )
        parser.add_argument("--format", choices=FileFormat.values, default="")
        parser.add_argument(
            "--kind",
            choices=MemberKind.values,
            default="",
            help="kind of rows without a kind column",
        )
        parser.add_argument("--source-url", default="", help="where the file was published")
        parser.add_argument("--label", default="", help="a version label, e.g. 2023-08")
        parser.add_argument(
            "--create",
            metavar="NAME",
            default="",
            help="create the dataset entity with this name if missing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resume"]:
            if not version_claim(options["resume"]):
                raise CommandError("No queued version with that id.")
            version = DatasetVersion.objects.select_related("artifact").get(pk=options["resume"])
            outcome = run_import(version)
            self.stdout.write(f"v{version.number}: {outcome.rows} rows imported, "
                              f"{outcome.rejected} rejected")  # fmt: skip
            return
        if not options["dataset"] or not options["file"]:
            raise CommandError("Give a dataset slug and a file (or --resume VERSION_ID).")
        entity = Entity.objects.filter(slug=options["dataset"]).first()
        if entity is None and options["create"]:
            nobody: Any = None  # the command line has no user
            name = options["create"]
            entity = entity_create(actor=nobody, name=name, kind=EntityKind.DATASET).entity
        if entity is None:
            raise CommandError(f"No entity with the slug {options['dataset']!r} (use --create).")
        source_url = options["source_url"] or entity.website
        if not source_url:
            raise CommandError("Say where the file was published: --source-url URL.")
        try:
            dataset = dataset_for(entity)
            new = version_create(
                dataset=dataset,
                path=options["file"],
                file_name=options["file"].rsplit("/", 1)[-1],
                source_url=source_url,
                actor=None,
                file_format=options["format"],
                default_kind=options["kind"],
                label=options["label"],
                origin=CaptureOrigin.COMMAND,
            )
        except (ValidationError, OSError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from exc
        version = new.version
        version_claim(version.pk)
        version = DatasetVersion.objects.select_related("artifact").get(pk=version.pk)
        started = time.monotonic()

        def show(outcome: Outcome) -> None:
            rate = outcome.rows / max(time.monotonic() - started, 1e-6)
            sys.stderr.write(
                f"\r{outcome.lines:,} lines, {outcome.rows:,} rows, "
                f"{outcome.rejected:,} rejected, {rate:,.0f} rows/s"
            )

        try:
            outcome = run_import(version, progress=show if options["verbosity"] else None)
        except Exception as exc:
            raise CommandError(f"Import failed: {exc}") from exc
        seconds = time.monotonic() - started
        server = members.backend_cpu()
        if server is not None:
            server += members.helper_cpu
        sys.stderr.write("\n")
        self.stdout.write(
            f"{entity.slug} v{version.number}: {outcome.rows} rows imported, "
            f"{outcome.rejected} rejected, {outcome.lines} lines read in {seconds:.1f} s "
            f"(load {outcome.load_seconds:.1f} s, indexes {outcome.index_seconds:.1f} s"
            + (f", database server CPU {server:.1f} s" if server is not None else "")
            + f"; sha256 {version.file_sha256})"
        )
