from celery import shared_task

from contacts.import_runs import import_files_delete_expired, run_import


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import_task(run_id: int) -> None:
    """Run a queued data import (voter file, geocodes, phones, scores) and record its counts."""
    run_import(run_id=run_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def delete_expired_import_files() -> None:
    """Delete uploaded files and import reports past their retention period (beat, daily)."""
    import_files_delete_expired()
