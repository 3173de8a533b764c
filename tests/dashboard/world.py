"""A small known program: alice active in Nodaway, bob with lists but silent in Boone."""

import uuid
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from contacts.models import ContactAttempt
from tests.cast import (
    COLUMBIA,
    MARYVILLE,
    make_cycle,
    make_household,
    make_party_id,
    make_turf,
    make_voter,
    offset,
)
from tests.cast import make_home as link_home


def attempt(leader, *, voter=None, household=None, channel="phone", result="talked", days_ago=0.0):
    return ContactAttempt.objects.create(
        client_uuid=uuid.uuid4(), leader=leader, voter=voter, household=household, channel=channel,
        result=result, device_time=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def make_program(alice, bob) -> SimpleNamespace:
    """Nodaway: alice's home, 2 callees, a door of 2, one door nobody has (5 doors, 6 voters; 3 in turf).
    Boone: bob's home and one neighbor on his call list (2 doors, 2 voters, 1 in turf)."""
    cycle = make_cycle()
    link_home(alice, MARYVILLE)
    link_home(bob, COLUMBIA, county="Boone", precinct="Columbia 1")
    callees = [
        make_voter(make_household(offset(MARYVILLE, 40 * (i + 1), 0)), phone=True, score=80) for i in range(2)
    ]
    door = make_household(offset(MARYVILLE, 0, 40))
    knocked = [make_voter(door), make_voter(door)]
    make_voter(make_household(offset(MARYVILLE, 0, 900)))
    boone_neighbor = make_voter(
        make_household(offset(COLUMBIA, 40, 0), county="Boone", precinct="Columbia 1"), phone=True
    )
    world = SimpleNamespace(
        cycle=cycle,
        callees=callees,
        door=door,
        alice_turf=make_turf(alice, cycle=cycle, calls=callees, doors=knocked),
        bob_turf=make_turf(bob, cycle=cycle, calls=[boone_neighbor]),
    )
    # Alice this week: a call (a conversation) and a knock nobody answered; an ID from the call.
    attempt(alice, voter=callees[0])
    attempt(alice, household=door, channel="door", result="not_home")
    make_party_id(callees[0], 1, days_ago=0, leader=alice)
    # Before the cycle began: neither counts toward this cycle.
    attempt(bob, voter=boone_neighbor, days_ago=10)
    make_party_id(boone_neighbor, 2, days_ago=10, leader=bob)
    return world
