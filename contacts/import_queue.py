"""Queue the imports staff start on the web: an uploaded file, or a voter file's confirmed preview.

Each is recorded as a queued ImportRun once the request's transaction commits, for a worker to run
(contacts.tasks); with the broker down, the run fails at once and says so.
"""

import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from kombu.exceptions import OperationalError

from contacts.import_runs import finish_run
from contacts.models import ImportRun
from contacts.tasks import run_import_task
from lib.uploads import private_directory

BROKER_DOWN = "The task queue is down, so this import could not start. Upload the file again once it is back."


def import_upload(
    *, user, kind: str, uploaded_file, dry_run: bool = False, partial: bool = False
) -> ImportRun:
    """Keep an uploaded file in the import directory and queue its import; return the run.

    A voter file unregisters nobody here: its run previews the voters it leaves out, for staff to
    confirm (import_confirm). A partial extract does not even compare.
    """
    directory = private_directory(Path(settings.IMPORT_DIR))
    name = get_valid_filename(Path(uploaded_file.name).name)[:100] or "upload"
    target = directory / f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}-{name}"
    # The upload handler already streamed it to a temporary file on disk: move it, never read it.
    shutil.move(uploaded_file.temporary_file_path(), target)
    target.chmod(0o600)
    run = ImportRun.objects.create(
        kind=kind,
        dry_run=dry_run,
        partial=partial and kind == ImportRun.Kind.VOTERS,
        file_name=uploaded_file.name[:255],
        path=str(target),
        bytes_total=target.stat().st_size,
        started_by=user,
    )
    transaction.on_commit(lambda: _queue_import(run))
    return run


class ConfirmRefused(Exception):
    """An import's preview cannot be confirmed (any more), with a sentence saying why."""


def import_confirm_refusal(run: ImportRun) -> str:
    """Say why staff cannot confirm this run's preview now, or return '' if they can."""
    if not run.awaiting_confirmation:
        return "Nothing in this import waits for confirmation."
    if run.started_by_id is None:
        return (
            "This import ran on the server's command line: run it there again with --unregister-missing "
            "to mark these voters no longer registered."
        )
    later = ImportRun.objects.filter(kind=ImportRun.Kind.VOTERS, dry_run=False, pk__gt=run.pk)
    if later.exclude(status=ImportRun.Status.FAILED).exists():
        # Confirming re-reads this file: it would undo what the later edition changed.
        return (
            "A later voter file has been imported since: upload this file again to see what it would do now."
        )
    if not Path(run.path).is_file():
        return "The uploaded file is no longer on the server: upload it again."
    return ""


def import_confirm(*, run: ImportRun, by, full_editions: Sequence[str] = ()) -> ImportRun:
    """Import a previewed voter file again, this time unregistering the voters it leaves out.

    Only in counties within the threshold and those staff named full editions, and only if each
    county still leaves out the number of voters staff saw: otherwise the new run asks again.
    """
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if refusal := import_confirm_refusal(run):
            raise ConfirmRefused(refusal)
        confirmation = ImportRun.objects.create(
            kind=ImportRun.Kind.VOTERS,
            file_name=run.file_name,
            path=run.path,
            bytes_total=run.bytes_total,
            started_by=by,
            unregister=True,
            full_editions=sorted(full_editions),
            confirms=run,
        )
        transaction.on_commit(lambda: _queue_import(confirmation))
    return confirmation


def _queue_import(run: ImportRun) -> None:
    try:
        run_import_task.delay(run.pk)
    except OperationalError:
        # Say so on the run's page rather than leave it waiting for a task that was never queued.
        finish_run(run, status=ImportRun.Status.FAILED, error=BROKER_DOWN)
