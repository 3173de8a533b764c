from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.cast import MARYVILLE, make_leader, make_neighborhood, offset
from turf.models import Entry, PoolVoter, Turf


@pytest.fixture
def neighborhood(cycle, settings):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 5, 10
    make_neighborhood(MARYVILLE, households=40)


def run(*args) -> str:
    out = StringIO()
    call_command("cut_turf", *args, stdout=out)
    return out.getvalue()


def test_it_cuts_one_leader_by_email(neighborhood):
    make_leader("alice@example.org", MARYVILLE)
    assert "alice" in run("--leader", "alice@example.org").lower()
    assert Turf.objects.get().entries.calls().count() == 5


def test_it_cuts_every_active_leader_fairly_and_refreshes_the_pool(neighborhood, cycle):
    for i in range(3):
        Turf.objects.create(
            cycle=cycle, leader=make_leader(f"l{i}@example.org", offset(MARYVILLE, 100 * i, 0))
        )
    assert "3 leaders" in run()
    listed = set(Entry.objects.values_list("voter_id", flat=True))
    pooled = set(PoolVoter.objects.values_list("voter_id", flat=True))
    assert listed and pooled and not listed & pooled
    assert "Rebuilt" in run("--refresh-pool")


def test_it_says_so_when_no_cycle_is_active(db):
    with pytest.raises(CommandError, match="No cycle is active"):
        run()
