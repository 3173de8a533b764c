"""Plausibility: each rule on a known dataset, just over and just under its threshold; idempotent
sweeps; the rollback (attempts withdrawn, suppressions lifted, the rollup changes, replay safe)."""

import json
from datetime import datetime, time, timedelta

import pytest
from celery import Task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from candidates.van import van_rows
from contacts.models import ContactAttempt, PartyID, PlausibilityFlag, Suppression, Voter
from contacts.plausibility import FlagDecided, flag_confirm, flag_implausible, flag_roll_back
from contacts.rollup import rollup_ids
from contacts.shared import SharedVoter
from leaders.models import User
from tests.cast import (
    a_knock,
    make_client,
    make_cycle,
    make_household,
    make_sam,
    make_turf,
    make_user,
    make_voter,
    offset,
)

pytestmark = pytest.mark.django_db(databases=["default", "shared"])

FARM = (40.35, -94.87)  # Nodaway County
MILE = 1609.344


def noon(days_ago: int = 2) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(12)))


def knocks(leader, doors, *, every: timedelta, result="not_home", start=None, received=None, **fields):
    """Record one knock per door, `every` apart by the device's clock, as one sync batch."""
    start = start or noon()
    attempts = ContactAttempt.objects.bulk_create(
        ContactAttempt(leader=leader, household=door, channel="door", result=result, device_time=start + n * every, **fields)
        for n, door in enumerate(doors)
    )  # fmt: skip
    received = received or timezone.now()
    ContactAttempt.objects.filter(pk__in=[a.pk for a in attempts]).update(received_at=received)
    return attempts


def doors_a_mile_apart(n: int) -> list:
    return [make_household(offset(FARM, east_m=i * MILE, north_m=0)) for i in range(n)]


def another_staffer():
    return make_user("sam3@example.org", role=User.Role.STAFF)


def flags(rule=None) -> list[PlausibilityFlag]:
    found = PlausibilityFlag.objects.order_by("pk")
    return list(found.filter(rule=rule) if rule else found)


# --- speed ----------------------------------------------------------------------------------------


def test_doors_a_mile_apart_a_minute_apart_are_flagged_with_why(alice):
    made_up = knocks(alice, doors_a_mile_apart(4), every=timedelta(minutes=1))  # 60 mph, 3 fast hops
    flag_implausible()
    [flag] = flags()
    assert flag.rule == PlausibilityFlag.Rule.SPEED
    assert flag.leader == alice and flag.county == "Nodaway" and flag.is_open
    assert flag.attempt_ids == [a.pk for a in made_up]
    assert flag.reason.startswith("4 doors in 3 minutes across 3.0 miles of Nodaway County on ")


def test_doors_driven_just_under_the_speed_are_not_flagged(alice):
    knocks(alice, doors_a_mile_apart(4), every=timedelta(seconds=81))  # 44.4 mph
    flag_implausible()
    assert flags() == []


def test_two_fast_hops_are_not_enough(alice):
    knocks(alice, doors_a_mile_apart(3), every=timedelta(minutes=1))
    flag_implausible()
    assert flags() == []


def test_speed_is_in_the_apps_units(alice, settings):
    settings.DISTANCE_UNITS = "metric"
    settings.PLAUSIBILITY_MAX_SPEED = 100  # km/h: a mile a minute (97 km/h) is under it
    knocks(alice, doors_a_mile_apart(4), every=timedelta(minutes=1))
    flag_implausible()
    assert flags() == []
    settings.PLAUSIBILITY_MAX_SPEED = 90
    flag_implausible()
    [flag] = flags()
    assert "across 4.8 km of Nodaway County" in flag.reason


# --- contact rate ---------------------------------------------------------------------------------


def door_row(n: int) -> list:
    return [make_household(None) for _ in range(n)]


def test_a_day_of_knocks_talked_at_90_percent_is_flagged(alice):
    doors = door_row(20)
    talked = knocks(alice, doors[:18], every=timedelta(minutes=5), result="talked")
    not_home = knocks(alice, doors[18:], every=timedelta(minutes=5), start=noon() + timedelta(hours=3))
    flag_implausible()
    [flag] = flags()
    assert flag.rule == PlausibilityFlag.Rule.CONTACT_RATE
    assert sorted(flag.attempt_ids) == sorted(a.pk for a in talked + not_home)
    assert flag.reason.startswith("18 of 20 doors answered and talked (90 %) on ")
    assert flag.reason.endswith("in Nodaway County; door rates usually run 10–30 %")


def test_a_rate_just_under_or_too_few_knocks_is_not_flagged(alice):
    doors = door_row(39)
    knocks(alice, doors[:17], every=timedelta(minutes=5), result="talked")  # 85 % of 20
    knocks(alice, doors[17:20], every=timedelta(minutes=5), start=noon() + timedelta(hours=3))
    knocks(alice, doors[20:], every=timedelta(minutes=5), result="talked", start=noon(days_ago=3))  # 19 of 19
    flag_implausible()
    assert flags() == []


# --- clock ----------------------------------------------------------------------------------------


def test_a_batch_with_device_times_ahead_of_its_arrival_is_flagged(alice):
    arrived = timezone.now() - timedelta(hours=1)
    ahead = knocks(
        alice, door_row(2), every=timedelta(0), start=arrived + timedelta(minutes=11), received=arrived
    )
    earlier = arrived - timedelta(hours=1)
    knocks(alice, door_row(2), every=timedelta(0), start=earlier + timedelta(minutes=9), received=earlier)
    flag_implausible()
    [flag] = flags()
    assert (flag.rule, flag.attempt_ids) == (PlausibilityFlag.Rule.CLOCK, [a.pk for a in ahead])
    assert flag.reason.startswith("2 contacts sent together on ")
    assert flag.reason.endswith("carry phone times up to 11 minutes off their arrival (Nodaway County)")


def test_a_batch_far_behind_its_arrival_is_flagged_and_one_just_inside_is_not(alice):
    now = timezone.now()
    late = knocks(alice, door_row(1), every=timedelta(0), start=now - timedelta(hours=73), received=now)
    knocks(
        alice,
        door_row(1),
        every=timedelta(0),
        start=now - timedelta(hours=71),
        received=now - timedelta(seconds=1),
    )
    flag_implausible()
    [flag] = flags()
    assert flag.attempt_ids == [late[0].pk]
    assert "up to 3 days off" in flag.reason


# --- location -------------------------------------------------------------------------------------


def test_knocks_far_from_their_doors_are_flagged(alice):
    doors = [make_household(FARM) for _ in range(4)]
    far = offset(FARM, east_m=0.6 * MILE, north_m=0)
    near = offset(FARM, east_m=0.4 * MILE, north_m=0)
    now = timezone.now()
    flagged = knocks(
        alice, doors[:2], every=timedelta(minutes=5), latitude=far[0], longitude=far[1], received=now
    )
    knocks(alice, doors[2:3], every=timedelta(minutes=5), latitude=far[0], longitude=far[1], received=now - timedelta(seconds=1))  # fmt: skip
    knocks(alice, doors[3:], every=timedelta(minutes=5), latitude=near[0], longitude=near[1], received=now)
    flag_implausible()
    [flag] = flags()
    assert (flag.rule, flag.attempt_ids) == (PlausibilityFlag.Rule.LOCATION, [a.pk for a in flagged])
    assert flag.reason.startswith("2 knocks logged 0.6 to 0.6 miles from the door by the phone's location")


# --- sweeps ---------------------------------------------------------------------------------------


def test_sweeping_again_writes_no_second_flag(alice):
    knocks(alice, doors_a_mile_apart(4), every=timedelta(minutes=1))
    assert flag_implausible() == 1
    assert flag_implausible() == 0
    assert flag_implausible(now=timezone.now() + timedelta(minutes=5)) == 0
    assert len(flags()) == 1


def test_a_burst_of_syncs_queues_nothing_on_the_request_and_the_next_sweep_flags_it_once(alice, monkeypatch):
    doors = doors_a_mile_apart(4)
    make_turf(alice, cycle=make_cycle(), doors=[make_voter(door) for door in doors])
    queued = []
    monkeypatch.setattr(Task, "apply_async", lambda task, *args, **kwargs: queued.append(task.name))
    client = make_client(alice)
    for n, door in enumerate(doors):  # a burst: one sync a door, the phone's clock a minute apart
        item = a_knock(door, device_time=(noon(1) + n * timedelta(minutes=1)).isoformat())
        body = json.dumps({"attempts": [item]})
        assert client.post(reverse("field:sync"), body, content_type="application/json").status_code == 200
    # The broker stays off the contact-logging request: the rollup's sweep, each minute, does it.
    assert queued == []
    sweeps = {name: entry["schedule"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    assert sweeps["contacts-flag-implausible"] == sweeps["contacts-rollup-ids"] == timedelta(minutes=1)
    assert flag_implausible() == 1
    assert flag_implausible() == 0
    assert [len(flag.attempt_ids) for flag in flags()] == [4]


def test_an_open_flag_of_a_day_gains_its_later_knocks_a_decided_one_does_not(alice):
    doors = doors_a_mile_apart(8)
    knocks(alice, doors[:4], every=timedelta(minutes=1))
    flag_implausible()
    knocks(alice, doors[4:6], every=timedelta(minutes=1), start=noon() + timedelta(minutes=3, seconds=30))
    flag_implausible()
    [flag] = flags()
    assert len(flag.attempt_ids) == 6
    flag_confirm(flag_id=flag.pk, by=make_sam())
    knocks(alice, doors[6:], every=timedelta(minutes=1), start=noon() + timedelta(minutes=5, seconds=30))
    flag_implausible()
    flag.refresh_from_db()
    assert (len(flag.attempt_ids), flag.status) == (6, PlausibilityFlag.Status.CONFIRMED)


def test_a_withdrawn_attempt_is_not_flagged_again(alice):
    knocks(alice, doors_a_mile_apart(4), every=timedelta(minutes=1))
    flag_implausible()
    flag_roll_back(flag_id=flags()[0].pk, by=make_sam())
    PlausibilityFlag.objects.all().delete()
    flag_implausible(now=timezone.now() + timedelta(minutes=1))
    assert flags() == []


# --- decisions ------------------------------------------------------------------------------------


def test_rolling_back_withdraws_the_ids_and_suppressions_and_the_rollup_follows(alice):
    doors = doors_a_mile_apart(4)
    voters = [make_voter(door) for door in doors]
    made_up = knocks(alice, doors, every=timedelta(minutes=1), result="talked")
    PartyID.objects.create(voter=voters[0], value=1, channel="door", leader=alice, attempt=made_up[0],
                           recorded_at=made_up[0].device_time)  # fmt: skip
    hostile = Suppression.objects.create(
        voter=voters[1], reason="hostile", attempt=made_up[1], created_by=alice
    )
    confirmed = Suppression.objects.create(
        voter=voters[2], reason="moved", attempt=made_up[2], created_by=alice, confirmed_at=timezone.now()
    )
    rollup_ids()
    assert SharedVoter.objects.get(voter_id=voters[0].pk).tier == 1
    assert not Voter.objects.needing_id().filter(pk=voters[0].pk).exists()
    exported = list(van_rows(made_up[0].device_time.date() - timedelta(days=1), timezone.localdate()))
    assert len(exported) == 4
    assert SharedVoter.objects.get(voter_id=voters[1].pk).mail_suppressions == ["hostile"]
    flag_implausible()
    [flag] = flags()
    sam = make_sam()

    flag_roll_back(flag_id=flag.pk, by=sam)

    flag.refresh_from_db()
    assert (flag.status, flag.decided_by, flag.withdrawn_attempts, flag.withdrawn_suppressions) == (
        PlausibilityFlag.Status.ROLLED_BACK, sam, 4, 1
    )  # fmt: skip
    assert flag.decided_at is not None
    assert ContactAttempt.objects.filter(pk__in=flag.attempt_ids, withdrawn_at=flag.decided_at).count() == 4
    hostile.refresh_from_db()
    assert (hostile.dismissed_by, hostile.dismissed_at) == (sam, flag.decided_at)
    assert not Suppression.objects.in_force().filter(pk=hostile.pk).exists()
    assert Suppression.objects.in_force().filter(pk=confirmed.pk).exists()
    rollup_ids()
    assert SharedVoter.objects.get(voter_id=voters[0].pk).tier is None
    # Lists ask for the voter's preference again, and the ID leaves the VAN export.
    assert Voter.objects.needing_id().filter(pk=voters[0].pk).exists()
    assert list(van_rows(made_up[0].device_time.date() - timedelta(days=1), timezone.localdate())) == []
    assert SharedVoter.objects.get(voter_id=voters[1].pk).mail_suppressions == []

    decided_at = flag.decided_at
    flag_roll_back(flag_id=flag.pk, by=another_staffer())
    flag.refresh_from_db()
    assert (flag.decided_at, flag.decided_by, flag.withdrawn_attempts) == (decided_at, sam, 4)
    with pytest.raises(FlagDecided):
        flag_confirm(flag_id=flag.pk, by=sam)


def test_confirming_leaves_the_attempts_standing(alice):
    knocks(alice, doors_a_mile_apart(4), every=timedelta(minutes=1))
    flag_implausible()
    [flag] = flags()
    flag_confirm(flag_id=flag.pk, by=make_sam())
    flag_confirm(flag_id=flag.pk, by=another_staffer())
    flag.refresh_from_db()
    assert flag.status == PlausibilityFlag.Status.CONFIRMED
    assert not ContactAttempt.objects.filter(withdrawn_at__isnull=False).exists()
    with pytest.raises(FlagDecided):
        flag_roll_back(flag_id=flag.pk, by=flag.decided_by)
