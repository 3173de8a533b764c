"""Turf cutting and the free pool in the background. The tasks are idempotent: a cut only tops lists up to size."""

import logging

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from leaders.models import User
from turf.models import Cycle
from turf.pool import pool_rebuild
from turf.services import TurfError, turf_cut_all, turf_cut_for_leader

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cut_turf_for_leader(leader_id: int) -> None:
    """Cut one approved leader's turf from what is free."""
    leader = User.objects.filter(pk=leader_id, role=User.Role.LEADER, is_active=True).first()
    if leader is None:
        return
    try:
        turf_cut_for_leader(leader=leader)
    except TurfError:
        return  # no home linked or no active cycle yet: staff see the leader waiting on the turf page


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cut_all_turf(cycle_id: int) -> None:
    """Fill every active leader's lists in a cycle, neighbors taking turns."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is not None:
        turf_cut_all(cycle=cycle)


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


def schedule_cut_for_leader(leader: User) -> None:
    """Cut a leader's turf once the current transaction commits (call it when staff approve them)."""

    def queue() -> None:
        try:
            cut_turf_for_leader.delay(leader.pk)
        except OperationalError:
            # The approval stands; the leader waits on the turf page, where staff can cut by hand.
            logger.warning("Could not queue the turf cut for leader %s: the broker is down.", leader.pk)

    transaction.on_commit(queue)
