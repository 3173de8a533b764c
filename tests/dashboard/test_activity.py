"""Active leaders over time from the dated stage history, on a known dataset that agrees with today's count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.progress import Scope, activity
from leaders.models import LeaderProfile, StageChange, User
from tests.cast import make_cycle, make_household, make_turf, make_user
from tests.dashboard.world import attempt
from turf.models import Turf

pytestmark = pytest.mark.django_db

Stage = LeaderProfile.Stage
EVERYONE = Scope(None, "Missouri")


def days_ago(n: float):
    return timezone.now() - timedelta(days=n)


def history(user, *moves: tuple[float, str]) -> None:
    """Give the user a profile whose stages moved on these days (days ago, stage), in order."""
    profile = LeaderProfile.objects.create(
        user=user, stage=moves[-1][1], stage_changed_at=days_ago(moves[-1][0])
    )
    before = ""
    for ago, stage in moves:
        StageChange.objects.create(profile=profile, from_stage=before, to_stage=stage, at=days_ago(ago))
        before = stage


def leader_with_turf(name: str, cycle, *, reports: tuple[float, ...], closed: bool = False) -> User:
    leader = make_user(f"{name}@example.org")
    turf = make_turf(leader, cycle=cycle)
    Turf.objects.filter(pk=turf.pk).update(
        created_at=days_ago(50), status=Turf.Status.QUIT if closed else Turf.Status.ACTIVE
    )
    door = make_household(None)
    for ago in reports:
        attempt(leader, household=door, channel="door", result="not_home", days_ago=ago)
    return leader


@pytest.fixture
def known():
    """Seven leaders whose histories cover every way in and out of being active."""
    cycle = make_cycle()
    ann = leader_with_turf("ann", cycle, reports=(40, 3))
    history(ann, (55, Stage.SIGNED_UP), (50, Stage.TURF_DELIVERED), (39.9, Stage.FIRST_CONTACT))
    ben = leader_with_turf("ben", cycle, reports=(30,), closed=True)  # quit, their turf closed
    history(ben, (51, Stage.TURF_DELIVERED), (29.9, Stage.FIRST_CONTACT), (20, Stage.QUIT))
    cat = leader_with_turf("cat", cycle, reports=(35, 10))  # inactive for a while, then back
    history(cat, (50, Stage.TURF_DELIVERED), (34.9, Stage.FIRST_CONTACT), (25, Stage.INACTIVE),
            (10, Stage.FIRST_CONTACT))  # fmt: skip
    dan = leader_with_turf("dan", cycle, reports=(30,))  # skipped every stage between
    history(dan, (45, Stage.PROSPECT), (29.9, Stage.FIRST_CONTACT))
    eve = leader_with_turf("eve", cycle, reports=(60,))  # reported last cycle only
    history(eve, (70, Stage.TURF_DELIVERED), (59.9, Stage.FIRST_CONTACT))
    fay = leader_with_turf("fay", cycle, reports=(15,))  # inactive before this cycle's first report
    history(fay, (70, Stage.FIRST_CONTACT), (45, Stage.INACTIVE), (14.9, Stage.FIRST_CONTACT))
    gus = leader_with_turf("gus", cycle, reports=(20,))  # staff marked them inactive; turf left open
    history(gus, (50, Stage.TURF_DELIVERED), (19.9, Stage.FIRST_CONTACT), (5, Stage.INACTIVE))
    return cycle


def on(ago: float):
    return timezone.localdate(days_ago(ago))


def test_active_leaders_over_time_follow_the_stage_history(known):
    series = activity(known, EVERYONE)
    expected = {41: 0, 40: 1, 35: 2, 30: 4, 25: 3, 20: 3, 15: 4, 10: 5, 5: 4, 0: 4}
    assert {ago: series.active_on(on(ago)) for ago in expected} == expected


def test_the_chart_ends_on_todays_count_of_active_leaders(known):
    today = activity(known, EVERYONE).active_on(timezone.localdate())
    assert today == Turf.objects.of_active_leaders().filter(cycle=known).count() == 4


def test_a_leader_marked_inactive_is_not_active_though_their_turf_is_open(known):
    active = set(Turf.objects.of_active_leaders().values_list("leader__email", flat=True))
    assert active == {"ann@example.org", "cat@example.org", "dan@example.org", "fay@example.org"}


def test_a_goal_met_then_lost_says_the_day_it_was_first_met(known):
    series = activity(known, EVERYONE)
    assert series.met_on(5) == on(10)
    assert series.met_on(4) == on(30)
    assert series.met_on(6) is None


def test_the_stored_county_count_gives_the_same_series(known):
    from dashboard.services import summarize_counties

    live = activity(known, EVERYONE)
    summarize_counties(cycle=known)
    stored = activity(known, EVERYONE)
    assert (stored.starts, stored.ends) == (live.starts, live.ends) and len(live.starts) == 7
