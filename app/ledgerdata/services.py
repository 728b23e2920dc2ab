"""Operations of the bulk data app that change several rows."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from app.accounts.models import User
from app.accounts.roles import EDITOR
from app.ledgerdata.importer import Outcome, import_file
from app.ledgerdata.models import ImportRun, ImportStatus

IMPORT_USER = "ledger-import"


def import_user(username: str = "") -> User:
    """The account an import acts as: a named editor, else the ``ledger-import`` account
    (an editor that cannot sign in), made on first use so `make starter` works on a fresh site."""
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user
    user, created = User.objects.get_or_create(
        username=IMPORT_USER, defaults={"display_name": "Bulk import"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=EDITOR)[0])
    return user


def _save_progress(run: ImportRun, outcome: Outcome) -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        processed=outcome.processed,
        created_count=outcome.created,
        unchanged_count=outcome.unchanged,
        refused_count=outcome.refused,
        captures_queued=outcome.captures_queued,
        report=outcome.problems,
    )


def import_run(run_id: int) -> None:
    """Run a queued import (the worker's task): claim the row, count, import, report."""
    from django.core.files.storage import default_storage

    from app.ledgerdata.importer import count_records

    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now
    )
    if not claimed:
        return  # someone else has it, or it is done
    run = ImportRun.objects.select_related("requested_by").get(pk=run_id)
    try:
        with default_storage.open(run.storage_key, "rb") as handle:
            total = count_records(handle, run.file_name)
        ImportRun.objects.filter(pk=run.pk).update(total=total)
        actor = run.requested_by or import_user()
        with default_storage.open(run.storage_key, "rb") as handle:
            outcome = import_file(
                handle,
                run.file_name,
                actor=actor,
                submit=run.submit,
                run=run,
                progress=lambda o: _save_progress(run, o),
            )
        _save_progress(run, outcome)
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.DONE, finished_at=timezone.now(), processed=total
        )
    except Exception as exc:  # a broken file must end the run visibly, never leave it running
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), error_text=str(exc)[:2000]
        )
        raise


def import_queue(*, upload: object, name: str, actor: User, submit: bool) -> ImportRun:
    """Store an uploaded file and queue its import after commit."""
    from django.core.files.storage import default_storage

    from app.ledgerdata.tasks import run_import

    with transaction.atomic():
        run = ImportRun.objects.create(file_name=name[:300], requested_by=actor, submit=submit)
        key = default_storage.save(f"imports/{run.pk}/{name[-100:]}", upload)  # type: ignore[arg-type]
        ImportRun.objects.filter(pk=run.pk).update(storage_key=key)
        run.storage_key = key
        transaction.on_commit(lambda: run_import.delay(run.pk))
    return run
