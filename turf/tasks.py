"""The free pool's refresh in the background, nightly and after each data import; a second run changes nothing."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from turf.models import Cycle
from turf.pool import pool_rebuild

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def refresh_free_pool() -> None:
    """Rebuild the pool of free voters, so voters who became eligible since are found by single cuts."""
    cycle = Cycle.current()
    if cycle is not None:
        pool_rebuild(cycle=cycle)


def refresh_pool_after_import(sender, kind: str, **kwargs) -> None:
    """A new voter file, geocodes, phones or scores can make voters eligible: refresh the free pool
    now, so leaders approved today find them, rather than at the nightly refresh."""
    try:
        refresh_free_pool.delay()
    except OperationalError:
        # The broker is down: the nightly refresh picks them up, and cuts check the live rules anyway.
        logger.warning("Could not queue the free-pool refresh after a %s import: the broker is down.", kind)
