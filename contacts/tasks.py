from celery import shared_task

from contacts.import_runs import import_files_delete_expired, run_import
from contacts.plausibility import flag_implausible
from contacts.rollup import rollup_ids


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import_task(run_id: int) -> None:
    """Run a queued data import (voter file, geocodes, phones, scores) and record its counts."""
    run_import(run_id=run_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def delete_expired_import_files() -> None:
    """Delete uploaded files and import reports past their retention period (beat, daily)."""
    import_files_delete_expired()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rollup_ids_task(full: bool = False) -> None:
    """Bring the shared ID database up to date (beat: each minute, and in full nightly)."""
    rollup_ids(full=full)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def flag_implausible_task() -> None:
    """Flag the contacts received since the last sweep that look made up (beat: each minute)."""
    flag_implausible()
