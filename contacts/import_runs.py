"""Run data imports (voter file, geocodes, phones, scores), each recorded as an ImportRun.

A run records its progress as it goes, from a connection of its own, and its counts, report and
outcome at the end. The command line's imports are runs too; a worker runs the queued ones
(contacts.import_queue). Import files are deleted a while after their import; the runs stay.
"""

import logging
import shutil
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone

from contacts import geocodes, vendor
from contacts.importing import PHASE_DONE, ImportRefused, ImportResult, Progress, report_path_for
from contacts.models import ImportRun
from contacts.signals import data_imported
from contacts.voterfile.load import import_voter_file
from contacts.voterfile.unregister import MissingVoters
from lib.uploads import open_private, private_directory

logger = logging.getLogger(__name__)


def import_data(
    *,
    kind: str,
    path: Path,
    dry_run: bool = False,
    progress: Progress | None = None,
    missing: MissingVoters | None = None,
    report: Path | None = None,
) -> ImportResult:
    """Import one file of a kind (ImportRun.Kind); raise ImportRefused if it cannot be imported at all.

    `missing` says what a voter file does with the voters it leaves out: by default nobody is
    unregistered, and the result's preview lists them for staff to confirm.
    """
    importers = {
        ImportRun.Kind.VOTERS: import_voter_file,
        ImportRun.Kind.GEOCODES: geocodes.import_geocodes,
        ImportRun.Kind.PHONES: vendor.import_phones,
        ImportRun.Kind.SCORES: vendor.import_scores,
    }
    options = {"missing": missing} if kind == ImportRun.Kind.VOTERS else {}
    result = importers[kind](
        Path(path), dry_run=dry_run, progress=progress or Progress(), report=report, **options
    )
    if not dry_run:
        transaction.on_commit(lambda: data_imported.send(sender=ImportRun, kind=kind))
    return result


class RunProgressWriter:
    """Write an import's progress to its ImportRun from a connection of its own.

    The import's writes stay invisible until its transaction commits; progress written on the
    same connection would be too. A second, autocommitting connection makes it visible at once.
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, progress: Progress) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE contacts_importrun SET phase = %s, bytes_done = %s, rows_read = %s, rows_per_second = %s "
                "WHERE id = %s",
                [progress.phase[:100], progress.bytes_done, progress.rows, progress.rate, self.run_id],
            )

    def close(self) -> None:
        self.connection.close()


def run_import(*, run_id: int) -> ImportRun | None:
    """Run a queued import and record its counts; a run that already finished is left alone.

    A run found "running" was started by a worker that died: its transaction rolled back, so
    running it again is safe, and the import lock keeps two attempts from overlapping.
    """
    claimed = ImportRun.objects.filter(
        pk=run_id, status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]
    ).update(
        status=ImportRun.Status.RUNNING, started_at=timezone.now(), phase="Starting", error="",
        bytes_done=0, rows_read=0, rows_per_second=0,  # a dead worker's progress is not this attempt's
    )  # fmt: skip
    if not claimed:
        return None
    run = ImportRun.objects.get(pk=run_id)
    with suppress(ImportRefused):  # recorded on the run, for its page to say
        _execute(run, Path(run.path), Progress(total_bytes=run.bytes_total))
    return run


def import_from_disk(
    *, kind: str, path: Path, dry_run: bool = False, sinks=(), missing: MissingVoters | None = None
) -> ImportResult:
    """Import a file already on the server (manage.py), recorded as an ImportRun like an upload.

    The imports page then lists it with its counts and rejected rows, and shows its progress
    while it runs. A dry run changes nothing, not even that list, so it is not recorded.
    """
    path = Path(path)
    if dry_run:
        return import_data(
            kind=kind, path=path, dry_run=True, progress=Progress(sinks=sinks), missing=missing
        )
    run = ImportRun.objects.create(
        kind=kind, file_name=path.name[:255], path=str(path.absolute()), bytes_total=path.stat().st_size,
        status=ImportRun.Status.RUNNING, started_at=timezone.now(), phase="Starting",
        partial=bool(missing and missing.partial), unregister=bool(missing and missing.unregister),
        full_editions=sorted(missing.full_editions) if missing else [],
    )  # fmt: skip
    progress = Progress(total_bytes=run.bytes_total, sinks=sinks)
    try:
        result = _execute(run, path, progress, missing=missing)
    except KeyboardInterrupt:
        # Every importer says "Done" once its transaction has committed, and not before.
        if progress.phase == PHASE_DONE:
            _record(
                run,
                status=ImportRun.Status.SUCCEEDED,
                error="Stopped with Ctrl-C once written: counts not kept.",
            )
        else:
            _record(run, status=ImportRun.Status.FAILED, error="Stopped with Ctrl-C: nothing was changed.")
        raise
    # The command line's report goes next to its input too, as the command has always said; the
    # run keeps its own copy, which a later import of the same file does not overwrite.
    beside = report_path_for(path)
    with open(result.report, "rb") as kept, open_private(beside, "wb") as copy:
        shutil.copyfileobj(kept, copy)
    return ImportResult(counts=result.counts, report=beside, shown=result.shown, preview=result.preview)


def incoming_directory() -> Path:
    """Return where uploads stream to while they arrive (a process killed meanwhile leaves them)."""
    return Path(settings.IMPORT_DIR) / "incoming"


def report_path_of(run: ImportRun) -> Path:
    """Return where a run keeps its report of rejected rows and warnings: its own file, owner-only."""
    return private_directory(Path(settings.IMPORT_DIR) / "reports") / f"run-{run.pk}.rejects.csv"


def _execute(run: ImportRun, path: Path, progress: Progress, *, missing=None) -> ImportResult:
    """Import a run's file, writing its progress to the run as it goes and its outcome at the end."""
    writer = RunProgressWriter(run.pk)
    progress.sinks.append(writer)
    try:
        result = import_data(
            kind=run.kind,
            path=path,
            dry_run=run.dry_run,
            progress=progress,
            missing=missing or run.missing_voters(),
            report=report_path_of(run),
        )
    except ImportRefused as refusal:
        _record(run, status=ImportRun.Status.FAILED, error=str(refusal))
        raise
    except Exception as error:
        _record(run, status=ImportRun.Status.FAILED, error=f"The import stopped: {error.__class__.__name__}.")
        raise
    finally:
        writer.close()
    finish_run(run, status=ImportRun.Status.SUCCEEDED, result=result)
    return result


def _record(run: ImportRun, **outcome) -> None:
    """Record how an import ended, from a handler of another error: never hide that error."""
    try:
        finish_run(run, **outcome)
    except DatabaseError:
        logger.exception("Could not record the outcome of import run %s.", run.pk)


def finish_run(
    run: ImportRun, *, status: str, result: ImportResult | None = None, error: str = ""
) -> ImportRun:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.phase = PHASE_DONE if status == ImportRun.Status.SUCCEEDED else "Stopped"
    fields = ["status", "error", "finished_at", "phase"]
    if result is not None:
        for name, value in result.counts.as_dict().items():
            setattr(run, "rows_read" if name == "read" else name, value)
        run.report_path = str(Path(result.report).absolute())  # served by the web process, elsewhere
        run.bytes_done = run.bytes_total
        run.preview = result.preview
        fields += ["rows_read", "inserted", "updated", "unchanged", "unregistered", "moved", "rejected",
                   "warnings", "report_path", "bytes_done", "preview"]  # fmt: skip
    run.save(update_fields=fields)
    return run


def import_files_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the uploads and reports of imports finished IMPORT_RETENTION_DAYS ago; return how many.

    The runs stay, with their counts. A file the command line imported from elsewhere on the
    server is the operator's and stays; only files inside the import directory are deleted.
    Running it again deletes nothing more, and two at once delete each run's files once.
    """
    now = now or timezone.now()
    directory = Path(settings.IMPORT_DIR).resolve()
    expired = ImportRun.objects.files_expired(now - timedelta(days=settings.IMPORT_RETENTION_DAYS))
    deleted = 0
    # What a process killed in the middle of an upload left behind belongs to no run.
    for partial in incoming_directory().glob("*.upload"):
        if partial.stat().st_mtime < (now - timedelta(days=1)).timestamp():
            partial.unlink(missing_ok=True)
    for run in expired.only("pk", "path", "report_path").order_by("pk"):
        for name in (run.path, run.report_path):
            if name and Path(name).resolve().is_relative_to(directory):
                Path(name).unlink(missing_ok=True)
        deleted += ImportRun.objects.filter(pk=run.pk, files_deleted_at__isnull=True).update(
            files_deleted_at=now
        )
    return deleted
