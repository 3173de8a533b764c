"""Every path that gives a leader turf moves them to "turf delivered", once, through the pipeline."""

from datetime import date

from leaders.models import LeaderProfile, StageChange
from leaders.pipeline import profile_for, record_stage
from tests.cast import MARYVILLE, make_leader, make_neighborhood, make_user, offset
from turf.models import Turf
from turf.services import (
    cycle_start,
    turf_add_voters,
    turf_cut_all,
    turf_cut_for_leader,
    turf_move_voters,
    turf_remove_voters,
)

Stage = LeaderProfile.Stage


def deliveries(leader) -> int:
    return StageChange.objects.filter(profile__user=leader, to_stage=Stage.TURF_DELIVERED).count()


def stage(leader) -> str:
    return LeaderProfile.objects.get(user=leader).stage


def test_a_full_cut_delivers_every_leader_it_fills_once(cycle, settings):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 10, 20
    make_neighborhood(MARYVILLE, households=80)
    leaders = [make_leader(f"l{i}@example.org", offset(MARYVILLE, 300 * i, 0)) for i in range(3)]
    for leader in leaders:
        profile_for(leader)
        Turf.objects.create(cycle=cycle, leader=leader, county="Nodaway")
    record_stage(leaders[2], Stage.FIRST_CONTACT)  # further along already: stays where they are
    turf_cut_all()
    turf_cut_all()
    assert [stage(leader) for leader in leaders] == [
        Stage.TURF_DELIVERED,
        Stage.TURF_DELIVERED,
        Stage.FIRST_CONTACT,
    ]
    assert [deliveries(leader) for leader in leaders] == [1, 1, 0]


def test_a_new_cycle_delivers_the_turf_it_carries_over(cycle, settings):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 10, 20
    make_neighborhood(MARYVILLE, households=60)
    alice = make_leader("alice@example.org", MARYVILLE)
    turf_cut_for_leader(leader=alice)
    StageChange.objects.filter(profile__user=alice, to_stage=Stage.TURF_DELIVERED).delete()
    LeaderProfile.objects.filter(user=alice).update(stage=Stage.SIGNED_UP)  # cut before the pipeline knew
    cycle_start(name="2030 General", election_date=date(2030, 11, 5))
    assert (stage(alice), deliveries(alice)) == (Stage.TURF_DELIVERED, 1)


def test_voters_added_or_moved_by_hand_deliver_turf(cycle, settings):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 10, 20
    make_neighborhood(MARYVILLE, households=60)
    sam = make_user("sam@example.org", role="staff")
    alice, bob = (
        make_leader("alice@example.org", MARYVILLE),
        make_leader("bob@example.org", offset(MARYVILLE, 200, 0)),
    )
    alices = turf_cut_for_leader(leader=alice)
    bobs = Turf.objects.create(cycle=cycle, leader=bob, county="Nodaway")
    profile_for(bob)
    moving = list(alices.entries.doors().values_list("voter_id", flat=True)[:1])
    turf_move_voters(source=alices, target=bobs, voter_ids=moving, actor=sam)
    assert (stage(bob), deliveries(bob)) == (Stage.TURF_DELIVERED, 1)
    carol = make_leader("carol@example.org", offset(MARYVILLE, -200, 0))
    carols = Turf.objects.create(cycle=cycle, leader=carol, county="Nodaway")
    freed = alices.entries.doors().select_related("voter")[0].voter
    turf_remove_voters(turf=alices, voter_ids=[freed.pk], actor=sam)
    turf_add_voters(turf=carols, voters=[freed], list_name="door", actor=sam)
    assert (stage(carol), deliveries(carol)) == (Stage.TURF_DELIVERED, 1)
