"""The county counts of the dashboard and coverage pages, off the request: every few minutes and after a voter-file import."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from contacts.models import ImportRun
from dashboard.services import summarize_counties
from turf.models import Cycle

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def summarize_counties_task() -> None:
    """Count the active cycle's program per county (beat: every few minutes; after a voter import)."""
    cycle = Cycle.current()
    if cycle is not None:
        summarize_counties(cycle=cycle)


def summarize_after_import(sender, kind: str, **kwargs) -> None:
    """A new voter-file edition changes who is registered where: count now, not at the next beat."""
    if kind != ImportRun.Kind.VOTERS:
        return
    try:
        summarize_counties_task.delay()
    except OperationalError:
        logger.warning("Could not queue the county counts after an import: the broker is down; beat will.")
