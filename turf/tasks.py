"""Turf cutting in the background. Both tasks are idempotent: a cut only tops lists up to size."""

from celery import shared_task
from django.db import transaction

from leaders.models import User
from turf.models import Cycle
from turf.services import TurfError, pool_rebuild, turf_cut_all, turf_cut_for_leader


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


def schedule_cut_for_leader(leader: User) -> None:
    """Cut a leader's turf once the current transaction commits (call it when staff approve them)."""
    transaction.on_commit(lambda: cut_turf_for_leader.delay(leader.pk))
