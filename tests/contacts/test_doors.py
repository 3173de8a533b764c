"""One door per model: `visible_to(user)` and `get_<thing>_for(user, pk)` agree with the scope rule.

alice leads in Nodaway (carol's county) and lists one voter from Boone (dave's county); bob leads
elsewhere. Staff see everything, a candidate nothing.
"""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from contacts.models import (
    ContactAttempt,
    Household,
    PartyID,
    Phone,
    Voter,
    get_household_for,
    get_voter_for,
    get_voters_for,
)
from leaders.models import User, get_leader_for
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
from turf.models import get_call_entry_for
from turf.walking import get_door_for


@pytest.fixture
def world(alice, bob, carol, dave, sam, cathy):
    cycle = make_cycle()
    across = make_voter(make_household(offset(COLUMBIA, 100, 0), county="Boone"), first="Across", phone=True)
    door = make_household(offset(MARYVILLE, 0, 100), street="Elm", number=100)
    knocked = make_voter(door, first="Knocked")
    bobs = make_voter(make_household(offset(MARYVILLE, 900, 900)), first="Bobs", phone=True)
    make_turf(alice, cycle=cycle, calls=[across], doors=[knocked])
    make_turf(bob, cycle=cycle, calls=[bobs])
    attempts = {
        name: ContactAttempt.objects.create(
            leader=leader, voter=voter, channel="phone", result="talked", device_time="2026-05-01T12:00Z"
        )
        for name, leader, voter in (("alice", alice, across), ("bob", bob, bobs))
    }
    attempts["door"] = ContactAttempt.objects.create(
        leader=alice, household=door, channel="door", result="not_home", device_time="2026-05-01T12:00Z"
    )
    make_party_id(across, 1, leader=alice)
    make_party_id(bobs, 2, leader=bob)
    return SimpleNamespace(across=across, door=door, knocked=knocked, bobs=bobs, attempts=attempts)


def _seen(queryset, user) -> set:
    return set(queryset.visible_to(user).values_list("pk", flat=True))


def test_each_person_sees_the_voters_of_their_lists_or_counties(world, alice, bob, carol, dave, sam, cathy):
    assert _seen(Voter.objects, alice) == {world.across.pk, world.knocked.pk}
    assert _seen(Voter.objects, bob) == {world.bobs.pk}
    # carol looks after alice, so she sees the Boone voter alice calls; dave sees Boone's voters.
    assert {world.across.pk, world.knocked.pk, world.bobs.pk} <= _seen(Voter.objects, carol)
    assert world.across.pk in _seen(Voter.objects, dave)
    assert world.knocked.pk not in _seen(Voter.objects, dave)
    assert _seen(Voter.objects, sam) == set(Voter.objects.values_list("pk", flat=True))
    assert _seen(Voter.objects, cathy) == set()


def test_doors_numbers_ids_and_attempts_follow_their_voters(world, alice, bob, carol, cathy):
    assert _seen(Household.objects, alice) == {world.across.household_id, world.door.pk}
    assert world.door.pk not in _seen(Household.objects, bob)
    assert _seen(Phone.objects, alice) == set(world.across.phones.values_list("pk", flat=True))
    assert _seen(PartyID.objects, bob) == set(world.bobs.party_ids.values_list("pk", flat=True))
    attempts = world.attempts
    assert _seen(ContactAttempt.objects, alice) == {attempts["alice"].pk, attempts["door"].pk}
    assert _seen(ContactAttempt.objects, bob) == {attempts["bob"].pk}
    assert _seen(ContactAttempt.objects, carol) == {attempt.pk for attempt in attempts.values()}
    assert _seen(ContactAttempt.objects, cathy) == set()


def test_a_door_answers_404_out_of_scope_like_a_missing_row(world, alice, bob, carol):
    assert get_voter_for(alice, world.across.pk) == world.across
    assert get_household_for(alice, world.door.pk) == world.door
    assert [voter.pk for voter in get_voters_for(alice, [world.across.pk, world.bobs.pk, 1])] == [
        world.across.pk
    ]
    for door, pk in ((get_voter_for, world.across.pk), (get_household_for, world.door.pk)):
        with pytest.raises(Http404):
            door(bob, pk)
    with pytest.raises(Http404):
        get_voter_for(alice, 999_999_999)


def test_a_door_answers_403_where_the_row_is_visible_but_not_the_users_to_work(world, alice, carol):
    assert get_call_entry_for(alice, world.across.pk).voter == world.across
    doors, here = get_door_for(alice, world.door.pk)
    assert doors[here].household == world.door
    # carol sees alice's voters and doors, but they are not hers to call or knock.
    with pytest.raises(PermissionDenied):
        get_call_entry_for(carol, world.across.pk)
    with pytest.raises(PermissionDenied):
        get_door_for(carol, world.door.pk)
    with pytest.raises(Http404):
        get_door_for(alice, world.bobs.household_id)


def test_only_staff_and_coordinators_fetch_the_leaders_they_look_after(world, alice, bob, carol, dave, sam):
    assert get_leader_for(sam, alice.pk) == alice
    assert get_leader_for(carol, alice.pk) == alice
    assert set(User.objects.leaders().visible_to(carol)) >= {alice}
    for user in (dave, alice, bob):
        with pytest.raises(Http404):
            get_leader_for(user, alice.pk)
