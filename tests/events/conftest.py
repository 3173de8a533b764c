"""Alice's and Bob's lists for the field app: a few neighbors to call and doors to knock."""

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from events.models import Gathering
from tests.conftest import make_turf
from tests.turf.conftest import MARYVILLE, make_cycle, make_household, make_voter, offset
from turf.models import Cycle


def make_gathering(host, *, days: int = 7, kind: str = Gathering.Kind.HOUSE_MEETING) -> Gathering:
    return Gathering.objects.create(
        host=host, kind=kind, starts_at=timezone.now() + timedelta(days=days), place="The Lions Club"
    )


def make_lists(alice, bob) -> SimpleNamespace:
    """Alice calls two neighbors and knocks two doors of two people each; Bob has his own."""
    cycle = Cycle.current() or make_cycle()
    caller = [make_voter(make_household(offset(MARYVILLE, 40 * i, 0)), first=f"Callee{i}", phone=True, score=80)
              for i in range(2)]  # fmt: skip
    homes = [make_household(offset(MARYVILLE, 0, 40 * i), street="Elm", number=100 + 2 * i) for i in range(2)]
    door_voters = [make_voter(home, first=f"Door{i}{j}") for i, home in enumerate(homes) for j in range(2)]
    bobs_voter = make_voter(make_household(offset(MARYVILLE, 900, 900)), phone=True)
    return SimpleNamespace(
        cycle=cycle,
        calls=caller,
        homes=homes,
        door_voters=door_voters,
        alice_turf=make_turf(alice, cycle=cycle, calls=caller, doors=door_voters),
        bobs_voter=bobs_voter,
        bob_turf=make_turf(bob, cycle=cycle, calls=[bobs_voter]),
    )


@pytest.fixture
def lists(alice, bob):
    return make_lists(alice, bob)


def a_call(voter, **fields) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "channel": "phone",
        "result": "talked",
        "device_time": timezone.now().isoformat(),
        "voter": voter.pk,
        **fields,
    }


def a_knock(household, **fields) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "channel": "door",
        "result": "not_home",
        "device_time": timezone.now().isoformat(),
        "household": household.pk,
        **fields,
    }
