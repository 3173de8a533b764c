import statistics

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contacts.models import Suppression
from tests.cast import (
    KANSAS_CITY,
    MARYVILLE,
    make_cycle,
    make_household,
    make_leader,
    make_neighborhood,
    make_party_id,
    make_suppression,
    make_user,
    make_voter,
    offset,
)
from turf import pool as free_pool
from turf.models import Change, Cycle, Entry, PoolVoter, Turf
from turf.pool import pool_rebuild
from turf.services import (
    TurfError,
    cycle_start,
    turf_add_voters,
    turf_cut_all,
    turf_cut_for_leader,
    turf_move_voters,
    turf_quit,
    turf_recut,
    turf_remove_voters,
    turf_set_locked,
)


@pytest.fixture
def small_lists(settings):
    settings.TURF_CALL_LIST_SIZE = 10
    settings.TURF_DOOR_LIST_SIZE = 20


def open_turf(leader, cycle):
    return Turf.objects.create(cycle=cycle, leader=leader, county="Nodaway")


def voters_of(turf, list_name=None):
    entries = turf.entries.all() if list_name is None else turf.entries.filter(list=list_name)
    return set(entries.values_list("voter_id", flat=True))


def median(turf, list_name):
    return statistics.median(turf.entries.filter(list=list_name).values_list("distance_m", flat=True))


def test_it_fills_the_call_list_with_likely_democrats_and_the_door_list_with_unknowns(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=60)
    republican = make_voter(make_household(offset(MARYVILLE, 5, 5)), phone=True, score=10)
    declared = make_voter(make_household(offset(MARYVILLE, -5, 5)), declared="Republican")
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    calls = turf.entries.calls().select_related("voter__score")
    assert calls.count() == 10
    assert all(entry.voter.score.value >= 65 and entry.voter.phones.exists() for entry in calls)
    assert 20 <= turf.entries.doors().count() < 20 + 3
    # A low score is only a guess: the door list is where it gets asked. A declared party is known.
    assert republican.pk in voters_of(turf, Entry.List.DOOR)
    assert declared.pk not in voters_of(turf)


def test_it_takes_the_nearest_neighbors_first(cycle, small_lists):
    near = make_neighborhood(MARYVILLE, households=40, spacing_m=30)
    far = make_neighborhood(offset(MARYVILLE, 3000, 0), households=40, spacing_m=30)
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    listed = set(turf.entries.values_list("household_id", flat=True))
    assert listed <= {household.pk for household in near}
    assert not listed & {household.pk for household in far}


def test_it_keeps_whole_households_together_on_the_door_list(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=30, unknowns=3, dems=0)
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    for household in {entry.household for entry in turf.entries.doors().select_related("household")}:
        assert household.voters.count() == turf.entries.filter(household=household).count()


def test_it_never_lists_a_suppressed_voter(cycle, small_lists):
    households = make_neighborhood(MARYVILLE, households=10)
    hostile = [make_suppression(household.voters.first()) for household in households[::3]]
    # A move is hidden only once a second person confirms it: until then the voter stays listed.
    unconfirmed = make_suppression(households[1].voters.last(), Suppression.Reason.MOVED)
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    assert not voters_of(turf) & {suppression.voter_id for suppression in hostile}
    assert unconfirmed.voter_id in voters_of(turf)


def test_it_skips_a_number_reported_wrong_and_keeps_the_voter_off_the_call_list(cycle, small_lists):
    households = make_neighborhood(MARYVILLE, households=30)
    voter = households[0].voters.filter(phones__isnull=False).first()
    make_suppression(voter, Suppression.Reason.WRONG_NUMBER, phone=voter.phones.get())
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    assert voter.pk not in voters_of(turf, Entry.List.CALL)


def test_it_leaves_out_voters_no_longer_registered(cycle, small_lists):
    gone = make_voter(make_household(MARYVILLE), registered=False)
    make_neighborhood(MARYVILLE, households=30)
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    assert gone.pk not in voters_of(turf)


def test_a_recent_id_takes_a_voter_off_the_door_list_but_an_old_one_does_not(cycle, small_lists):
    households = make_neighborhood(MARYVILLE, households=12, dems=0)
    asked = households[0].voters.first()
    make_party_id(asked, 3, days_ago=30)
    long_ago = households[1].voters.first()
    make_party_id(long_ago, 3, days_ago=3000)
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    assert asked.pk not in voters_of(turf)
    assert long_ago.pk in voters_of(turf, Entry.List.DOOR)


def test_a_rural_leader_gets_what_is_nearest_kilometres_away_with_the_distance(cycle, small_lists):
    farm = offset(MARYVILLE, 0, 12_000)
    for i in range(30):
        household = make_household(offset(farm, 1500 * (i % 6), 1500 * (i // 6)), street=f"Route {i}")
        make_voter(household, phone=True, score=90)
        make_voter(household)
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", offset(farm, -4000, 0)))
    assert turf.entries.calls().count() == 10
    assert min(turf.entries.values_list("distance_m", flat=True)) > 3900
    assert turf.door_median_m > 4000


def test_voters_without_a_geocode_belong_to_leaders_of_their_precinct_in_street_order(cycle, settings):
    settings.TURF_DOOR_LIST_SIZE = 6
    same_street = [make_household(None, street="Home", number=n) for n in (3, 5, 41, 91)]
    elsewhere = [make_household(None, street="Elm", number=n) for n in (2, 4)]
    other_precinct = make_household(None, precinct="Polk 2", street="Home", number=7)
    for household in [*same_street, *elsewhere, other_precinct]:
        make_voter(household)
        make_voter(household)
    # The leader's own address was not geocoded either: precinct and street order stand in.
    leader = make_leader("alice@example.org", None, street="Home", number=1)
    turf = turf_cut_for_leader(leader=leader)
    assert turf.anchor == Turf.Anchor.NONE
    listed = set(turf.entries.values_list("household_id", flat=True))
    assert listed == {household.pk for household in same_street[:3]}
    assert other_precinct.pk not in listed


def test_a_leader_without_a_linked_home_cannot_be_cut(cycle):
    with pytest.raises(TurfError, match="link their home"):
        turf_cut_for_leader(leader=make_user("nohome@example.org"))


def test_it_needs_an_active_cycle(db):
    make_cycle(active=False)
    with pytest.raises(TurfError, match="No cycle is active"):
        turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))


def test_cutting_again_only_tops_up_and_keeps_the_same_neighbors(cycle, small_lists):
    households = make_neighborhood(MARYVILLE, households=60)
    leader = make_leader("alice@example.org", MARYVILLE)
    first = voters_of(turf_cut_for_leader(leader=leader))
    assert voters_of(turf_cut_for_leader(leader=leader)) == first
    # One neighbor dies; the next cut fills the gap and keeps everyone else.
    gone = Entry.objects.filter(list=Entry.List.DOOR).first().voter
    Entry.objects.filter(voter=gone).delete()
    make_suppression(gone, Suppression.Reason.HOSTILE)
    again = voters_of(turf_cut_for_leader(leader=leader))
    assert len(again & first) == len(first) - 1
    assert gone.pk not in again
    assert households


def test_a_new_leader_is_cut_from_what_is_free_and_nobody_elses_list_changes(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=80)
    alice = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    before = voters_of(alice)
    bob = turf_cut_for_leader(leader=make_leader("bob@example.org", offset(MARYVILLE, 50, 0)))
    assert voters_of(alice) == before
    assert not voters_of(bob) & before
    assert bob.entries.calls().count() == 10


def test_when_a_leader_quits_their_voters_go_back_to_the_pool_for_the_next_leader(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=80)
    alice = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    bob = turf_cut_for_leader(leader=make_leader("bob@example.org", offset(MARYVILLE, 400, 0)))
    alices, bobs = voters_of(alice), voters_of(bob)
    turf_quit(turf=alice, actor=None)
    alice.refresh_from_db()
    assert alice.status == Turf.Status.QUIT and not voters_of(alice)
    assert voters_of(bob) == bobs
    carl = turf_cut_for_leader(leader=make_leader("carl@example.org", offset(MARYVILLE, 10, 0)))
    assert len(voters_of(carl) & alices) > len(alices) // 2
    assert Change.objects.filter(turf=alice, action=Change.Action.QUIT, removed__len=len(alices)).exists()


def test_a_leader_who_quit_and_rejoins_is_cut_again_from_what_is_free(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=50)
    leader = make_leader("alice@example.org", MARYVILLE)
    turf = turf_cut_for_leader(leader=leader)
    turf_quit(turf=turf, actor=None)
    again = turf_cut_for_leader(leader=leader)
    assert again.pk == turf.pk and again.status == Turf.Status.ACTIVE
    assert again.entries.calls().count() == 10


def test_a_recut_of_one_leader_leaves_the_others_alone(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=80)
    leaders = [make_leader(f"l{i}@example.org", offset(MARYVILLE, 300 * i, 0)) for i in range(3)]
    for leader in leaders:
        open_turf(leader, cycle)
    turfs = turf_cut_all()
    others = {turf.pk: voters_of(turf) for turf in turfs[1:]}
    turf_recut(turf=turfs[0], actor=None)
    assert {turf.pk: voters_of(turf) for turf in turfs[1:]} == others
    assert turfs[0].entries.calls().count() == 10


def test_a_locked_list_survives_a_full_recut_and_refuses_edits(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=80)
    sam = make_user("sam@example.org", role="staff")
    for i in range(2):
        open_turf(make_leader(f"l{i}@example.org", offset(MARYVILLE, 200 * i, 0)), cycle)
    locked, other = turf_cut_all()
    kept = voters_of(locked)
    turf_set_locked(turf=locked, actor=sam, locked=True)
    turf_cut_all(recut=True)
    assert voters_of(locked) == kept
    with pytest.raises(TurfError, match="locked"):
        turf_remove_voters(turf=locked, voter_ids=list(kept), actor=sam)
    assert Change.objects.filter(turf=locked, action=Change.Action.LOCK, actor=sam).exists()
    assert other.entries.exists()


def test_the_database_refuses_one_voter_on_two_lists_in_a_cycle(cycle):
    voter = make_voter(make_household(MARYVILLE))
    first = open_turf(make_leader("a@example.org", MARYVILLE), cycle)
    second = open_turf(make_leader("b@example.org", MARYVILLE), cycle)
    Entry.objects.create(turf=first, cycle=cycle, voter=voter, list=Entry.List.DOOR)
    with pytest.raises(IntegrityError):
        Entry.objects.create(turf=second, cycle=cycle, voter=voter, list=Entry.List.CALL)


@pytest.mark.django_db
def test_no_voter_is_ever_on_two_active_lists():
    """Leaders dropped anywhere, cut together then one by one, quitting and rejoining."""

    # One neighborhood for every example (each example's own savepoint rolls back what it cuts).
    @hypothesis_settings(max_examples=15, deadline=None)
    @given(
        places=st.lists(
            st.tuples(st.integers(-1500, 1500), st.integers(-1500, 1500), st.booleans()),
            min_size=2,
            max_size=7,
        ),
        late=st.integers(0, 6),
    )
    def leaders_anywhere(places, late):
        with transaction.atomic():
            Cycle.objects.all().update(is_active=False)
            cycle = make_cycle(f"Property {Cycle.objects.count()}")
            leaders = [
                make_leader(
                    f"p{Turf.objects.count()}-{i}-{east}-{north}@example.org", offset(MARYVILLE, east, north)
                )
                for i, (east, north, _) in enumerate(places)
            ]
            together = [leader for leader, (_, _, batch) in zip(leaders, places, strict=True) if batch]
            for leader in together:
                open_turf(leader, cycle)
            turf_cut_all(cycle=cycle)
            for leader in leaders:
                if leader not in together:
                    turf_cut_for_leader(leader=leader, cycle=cycle)
            quitter = Turf.objects.filter(cycle=cycle).order_by("pk")[late % len(leaders)]
            turf_quit(turf=quitter, actor=None)
            turf_cut_for_leader(
                leader=make_leader(f"late{Turf.objects.count()}@example.org", MARYVILLE), cycle=cycle
            )
            turf_cut_for_leader(leader=quitter.leader, cycle=cycle)
            listed = list(
                Entry.objects.filter(cycle=cycle, turf__status=Turf.Status.ACTIVE).values_list(
                    "voter_id", flat=True
                )
            )
            assert len(listed) == len(set(listed))
            assert not Entry.objects.filter(cycle=cycle, turf__status=Turf.Status.QUIT).exists()
            transaction.set_rollback(True)

    with override_settings(TURF_CALL_LIST_SIZE=6, TURF_DOOR_LIST_SIZE=12):
        make_neighborhood(MARYVILLE, households=40, spacing_m=60)
        leaders_anywhere()


def test_neighbors_cut_together_share_the_area_fairly(cycle, settings):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 20, 40
    make_neighborhood(KANSAS_CITY, households=225, spacing_m=40, county="Jackson", precinct="KC 1")
    first = open_turf(make_leader("first@example.org", KANSAS_CITY, county="Jackson"), cycle)
    second = open_turf(make_leader("second@example.org", offset(KANSAS_CITY, 60, 0), county="Jackson"), cycle)
    turf_cut_all()
    for list_name in (Entry.List.CALL, Entry.List.DOOR):
        better, worse = sorted([median(first, list_name), median(second, list_name)])
        assert worse <= better * settings.TURF_FAIRNESS_FACTOR


def test_a_leader_cut_alone_after_a_neighbor_is_worse_off_which_is_why_batches_take_turns(cycle, settings):
    """The contrast that makes the draft worth having: one after the other, the second loses out."""
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 20, 40
    make_neighborhood(KANSAS_CITY, households=225, spacing_m=40, county="Jackson", precinct="KC 1")
    first = turf_cut_for_leader(leader=make_leader("first@example.org", KANSAS_CITY, county="Jackson"))
    second = turf_cut_for_leader(
        leader=make_leader("second@example.org", offset(KANSAS_CITY, 60, 0), county="Jackson")
    )
    assert median(second, Entry.List.DOOR) > median(first, Entry.List.DOOR) * settings.TURF_FAIRNESS_FACTOR


def test_list_sizes_follow_the_settings(cycle, settings):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 7, 15
    make_neighborhood(MARYVILLE, households=50)
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    assert turf.entries.calls().count() == 7
    assert 15 <= turf.entries.doors().count() <= 15 + 1


def test_staff_add_remove_and_move_voters_and_every_change_is_recorded(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=60)
    sam = make_user("sam@example.org", role="staff")
    alice = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    bob = turf_cut_for_leader(leader=make_leader("bob@example.org", offset(MARYVILLE, 200, 0)))
    extra = make_voter(make_household(offset(MARYVILLE, 20, 20)))
    turf_add_voters(turf=alice, voters=[extra], list_name=Entry.List.DOOR, actor=sam)
    assert extra.pk in voters_of(alice)
    with pytest.raises(TurfError, match="Not added"):
        turf_add_voters(turf=bob, voters=[extra], list_name=Entry.List.DOOR, actor=sam)
    moving = sorted(voters_of(alice, Entry.List.CALL))[:2]
    turf_move_voters(source=alice, target=bob, voter_ids=moving, actor=sam)
    assert set(moving) <= voters_of(bob, Entry.List.CALL)
    turf_remove_voters(turf=bob, voter_ids=moving[:1], actor=sam)
    assert moving[0] not in voters_of(bob)
    actions = list(
        Change.objects.filter(actor=sam).order_by("pk").values_list("turf__leader__email", "action")
    )
    assert actions == [
        ("alice@example.org", Change.Action.ADD),
        ("alice@example.org", Change.Action.MOVE_OUT),
        ("bob@example.org", Change.Action.MOVE_IN),
        ("bob@example.org", Change.Action.REMOVE),
    ]
    assert Change.objects.get(action=Change.Action.MOVE_IN).added == moving


def test_a_new_cycle_keeps_each_leaders_neighbors_minus_those_who_moved(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=60)
    turf = turf_cut_for_leader(leader=make_leader("alice@example.org", MARYVILLE))
    before = voters_of(turf)
    moved = Entry.objects.filter(turf=turf).first().voter
    suppression = make_suppression(moved, Suppression.Reason.MOVED)
    suppression.confirmed_at = suppression.created_at
    suppression.save()
    from datetime import date

    new_cycle = cycle_start(name="2030 General", election_date=date(2030, 11, 5))
    carried = Turf.objects.get(cycle=new_cycle, leader=turf.leader)
    assert moved.pk not in voters_of(carried)
    assert len(voters_of(carried) & before) == len(before) - 1
    assert Change.objects.filter(turf=carried, action=Change.Action.CARRY_OVER).exists()
    assert Cycle.current() == new_cycle


def test_the_pool_a_full_cut_leaves_is_the_one_the_rules_would_build(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=60)
    make_household(None)  # unlocated households are never pooled: their precinct's leaders get them
    for i in range(3):
        open_turf(make_leader(f"l{i}@example.org", offset(MARYVILLE, 150 * i, 0)), cycle)
    turf_cut_all()
    left = set(PoolVoter.objects.values_list("voter_id", "call", "door"))
    pool_rebuild(cycle=cycle)
    assert left and left == set(PoolVoter.objects.values_list("voter_id", "call", "door"))


def pooled() -> dict[int, tuple]:
    """Each pooled voter's lists, cycle and row version (xmin: which transaction last wrote it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT voter_id, call, door, cycle_id, xmin::text FROM turf_poolvoter")
        return {voter: tuple(rest) for voter, *rest in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)  # each rebuild commits: rows it rewrites get a new xmin
def test_a_pool_refresh_writes_only_what_changed(cycle):
    households = make_neighborhood(MARYVILLE, households=4)
    pool_rebuild(cycle=cycle)
    before = pooled()
    dem, unknown = households[0].voters.order_by("pk")
    assert before[dem.pk][:3] == (True, True, cycle.pk) and before[unknown.pk][:3] == (False, True, cycle.pk)

    make_suppression(unknown)  # hostile: off every list
    wrong = make_suppression(households[1].voters.order_by("pk")[0], Suppression.Reason.WRONG_NUMBER)
    wrong.phone = wrong.voter.phones.get()
    wrong.save()
    newcomer = make_voter(households[2])
    pool_rebuild(cycle=cycle)

    after = pooled()
    assert unknown.pk not in after
    assert after[wrong.voter_id][:3] == (False, True, cycle.pk)  # nobody left to call, still a door
    assert after[newcomer.pk][:3] == (False, True, cycle.pk)
    untouched = before.keys() - {unknown.pk, wrong.voter_id}
    assert len(untouched) == 6 and all(after[voter] == before[voter] for voter in untouched)


@pytest.mark.parametrize(
    "batch",
    [lambda cycle: pool_rebuild(cycle=cycle), lambda cycle: turf_cut_all(cycle=cycle)],
    ids=["pool rebuild", "cut all"],
)
def test_batch_work_runs_without_the_request_timeout_and_gives_it_back(cycle, batch):
    make_neighborhood(MARYVILLE, households=2)
    open_turf(make_leader("alice@example.org", MARYVILLE), cycle)
    seen = []

    def spy(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "turf_pool" in sql or "turf_entry" in sql:
            with context["connection"].connection.cursor() as raw:  # psycopg's own cursor: not spied on
                seen.append(raw.execute("SHOW statement_timeout").fetchone()[0])
        return result

    def timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = timeout()
    with connection.execute_wrapper(spy):
        batch(cycle)
    assert len(seen) >= 4 and set(seen) == {"0"}
    assert timeout() == before == "30s"
    assert PoolVoter.objects.count() + Entry.objects.count() == 4  # each neighbor pooled or listed


def test_a_voter_listed_while_the_pool_is_worked_out_is_not_put_back(cycle, monkeypatch):
    households = make_neighborhood(MARYVILLE, households=3)
    turf = open_turf(make_leader("alice@example.org", MARYVILLE), cycle)
    taken = households[0].voters.order_by("pk")[0]
    lock = free_pool.lock_cycle

    def lock_after_a_cut_took_a_voter(locked_cycle):
        # The cut committed after the rebuild read the rules, and before it took the lock.
        lock(locked_cycle)
        Entry.objects.create(
            turf=turf, cycle=cycle, voter=taken, household=taken.household, list=Entry.List.CALL, distance_m=0
        )

    monkeypatch.setattr(free_pool, "lock_cycle", lock_after_a_cut_took_a_voter)
    pool_rebuild(cycle=cycle)
    neighbors = {voter.pk for household in households for voter in household.voters.all()}
    assert set(pooled()) == neighbors - {taken.pk}
