"""An active leader (DESIGN.md section 6): lists this cycle, and a call or knock reported on them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cast import make_cycle, make_household, make_turf, make_voter
from tests.dashboard.world import attempt
from turf.models import Turf

pytestmark = pytest.mark.django_db


def test_it_counts_leaders_with_lists_this_cycle_who_reported_on_them(alice, bob):
    old = make_cycle("2026 General", active=False)
    cycle = make_cycle()
    voter = make_voter(make_household(None))
    make_turf(alice, cycle=cycle, calls=[voter])
    make_turf(bob, cycle=cycle)
    assert not Turf.objects.of_active_leaders().exists()

    attempt(alice, voter=voter, result="no_answer")  # an unanswered call is still work reported
    attempt(bob, voter=voter, days_ago=3)  # before his lists were cut: not on them
    assert list(Turf.objects.of_active_leaders().values_list("leader", flat=True)) == [alice.pk]
    assert list(Turf.objects.silent().filter(cycle=cycle).values_list("leader", flat=True)) == [bob.pk]

    # Lists of a past cycle, or lists given up, make nobody active.
    Turf.objects.filter(leader=bob).update(cycle=old)
    attempt(bob, voter=voter)
    assert list(Turf.objects.of_active_leaders().values_list("leader", flat=True)) == [alice.pk]
    Turf.objects.filter(leader=alice).update(status=Turf.Status.QUIT)
    assert not Turf.objects.of_active_leaders().exists()


def test_it_knows_when_each_leader_first_reported(alice):
    cycle = make_cycle()
    voter = make_voter(make_household(None))
    turf = make_turf(alice, cycle=cycle, calls=[voter])
    Turf.objects.filter(pk=turf.pk).update(created_at=timezone.now() - timedelta(days=9))
    attempt(alice, voter=voter, days_ago=12)  # before the lists
    first = attempt(alice, voter=voter, days_ago=5)
    attempt(alice, voter=voter, days_ago=1)
    assert Turf.objects.with_first_report().get(pk=turf.pk).first_report_at == first.device_time
