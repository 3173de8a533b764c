"""Leaderboards: the numbers on a known program, by county and statewide; a leader sees only their own standing."""

import pytest
from django.urls import reverse

from dashboard.progress import scope_for
from dashboard.recognition import boards, standing
from leaders.models import LeaderProfile
from leaders.pipeline import profile_for
from tests.cast import (
    COLUMBIA,
    MARYVILLE,
    make_client,
    make_cycle,
    make_home,
    make_household,
    make_leader,
    make_voter,
    offset,
)
from tests.dashboard.world import attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(alice, bob):
    cycle = make_cycle()
    make_home(alice, MARYVILLE)
    make_home(bob, COLUMBIA, county="Boone", precinct="Columbia 1")
    dan = make_leader("dan@example.org", offset(MARYVILLE, 500, 0))
    voter = make_voter(make_household(offset(MARYVILLE, 50, 0)), phone=True)
    for _ in range(3):
        attempt(alice, voter=voter)
    attempt(alice, voter=voter, days_ago=30)  # before the cycle began
    attempt(bob, voter=voter)
    attempt(dan, voter=voter)
    for i, recruiter in enumerate([alice, alice, bob]):
        recruit = make_leader(f"recruit{i}@example.org", offset(MARYVILLE, 0, 300 * (i + 1)))
        LeaderProfile.objects.filter(pk=profile_for(recruit).pk).update(recruiter=recruiter)
    return cycle, dan


def counts(places):
    return [(place.rank, place.name, place.county, place.count) for place in places]


def test_the_statewide_boards_count_this_cycle_and_share_ranks_on_ties(program, sam):
    cycle, dan = program
    found = boards(cycle, scope_for(sam))
    assert counts(found["active"]) == [
        (1, "Alice", "Nodaway", 3),
        (2, "Bob", "Boone", 1),
        (2, "Dan", "Nodaway", 1),
    ]
    assert counts(found["recruiters"]) == [(1, "Alice", "Nodaway", 2), (2, "Bob", "Boone", 1)]


def test_a_countys_boards_hold_its_leaders_only(program, sam, carol):
    cycle, _ = program
    found = boards(cycle, scope_for(sam, "boone"))
    assert counts(found["active"]) == [(1, "Bob", "Boone", 1)]
    assert [place.name for place in boards(cycle, scope_for(carol))["active"]] == ["Alice", "Dan"]
    page = make_client(carol).get(reverse("dashboard:recognition")).content.decode()
    assert "Alice" in page and "Bob" not in page
    assert make_client(carol).get(reverse("dashboard:recognition_county", args=["boone"])).status_code == 404


def test_a_leader_sees_their_own_standing_and_nobody_elses_name(program, alice, bob):
    cycle, _ = program
    recruiters, active = standing(cycle, bob)
    assert (active.rank, active.count, active.of) == (2, 1, 3)
    assert (recruiters.rank, recruiters.count) == (2, 1)
    page = make_client(bob).get(reverse("dashboard:standing")).content.decode()
    assert "number 2" in page and "Alice" not in page and "Dan" not in page
    assert make_client(bob).get(reverse("dashboard:recognition")).status_code == 404


def test_a_leader_with_nothing_yet_has_no_rank(program):
    cycle, _ = program
    newcomer = make_leader("newcomer@example.org", offset(MARYVILLE, 900, 900))
    assert [place.rank for place in standing(cycle, newcomer)] == [None, None]
