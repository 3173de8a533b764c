"""The dashboard page: active leaders against the goals, the chart and its table, totals, scope."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Voter
from dashboard.models import Goal
from dashboard.progress import Scope, activity
from tests.cast import MARYVILLE, make_client, make_gathering, make_leader, make_turf, offset
from tests.dashboard.world import attempt, make_program
from turf.models import Cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(alice, bob):
    return make_program(alice, bob)


WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries) -> list[str]:
    """The statements that wrote anything but the session (Django refreshes its expiry)."""
    return [
        q["sql"] for q in queries
        if q["sql"].lstrip().upper().startswith(WRITES) and '"django_session"' not in q["sql"]
    ]  # fmt: skip


def test_a_cycle_without_goals_is_measured_against_the_defaults_and_a_get_writes_nothing(program, sam):
    client = make_client(sam)
    with CaptureQueriesContext(connection) as seen:
        response = client.get(reverse("dashboard:index"))
        client.get(reverse("dashboard:goals"))
        client.get(reverse("dashboard:coverage"))
        client.get(reverse("dashboard:followup"))
    assert writes(seen.captured_queries) == []
    assert not Goal.objects.exists()
    milestones = [(m.milestone.due, m.milestone.target) for m in response.context["outlook"].milestones]
    assert milestones == [
        (date(2028, 6, 1), 1000), (date(2028, 9, 1), 3000), (date(2028, 10, 1), 5000),
    ]  # fmt: skip
    assert "default goals" in response.context["goal_source"]


def test_staff_save_the_defaults_to_change_them(program, sam):
    client = make_client(sam)
    assert b"data-default-goal" in client.get(reverse("dashboard:goals")).content
    assert client.post(reverse("dashboard:goal_defaults")).status_code == 302
    goals = Goal.objects.filter(cycle=program.cycle).statewide().order_by("due")
    assert [(g.due, g.active_leaders, g.updated_by) for g in goals] == [
        (date(2028, 6, 1), 1000, sam), (date(2028, 9, 1), 3000, sam), (date(2028, 10, 1), 5000, sam),
    ]  # fmt: skip
    goal = goals.first()
    client.post(
        reverse("dashboard:goal_edit", args=[goal.pk]), {"due": "2028-06-01", "active_leaders": "1200"}
    )
    client.post(reverse("dashboard:goal_defaults"))  # saved already: changes nothing
    assert Goal.objects.get(pk=goal.pk).active_leaders == 1200 and Goal.objects.count() == 3
    milestones = make_client(sam).get(reverse("dashboard:index")).context["outlook"].milestones
    assert milestones[0].milestone.target == 1200


def test_staff_see_the_state_against_the_goals(program, sam):
    html = make_client(sam).get(reverse("dashboard:index")).content.decode()
    assert "Dashboard · Missouri" in html
    assert "<strong data-active>1</strong> active leader" in html
    assert "Behind" in html  # one leader, no four weeks of growth to speak of
    assert "straight line through the growth in active leaders over the last 4 weeks" in html
    assert 'data-milestone="2028-06-01"' in html and 'data-milestone="2028-10-01"' in html
    assert '<polyline class="goal"' in html and '<polyline class="actual"' in html


def test_totals_count_this_cycles_calls_knocks_conversations_ids_and_gatherings(program, sam, alice):
    Cycle.objects.filter(pk=program.cycle.pk).update(created_at=timezone.now() - timedelta(days=1))
    make_gathering(alice, days=0, held_at=timezone.now() - timedelta(minutes=5))  # held this cycle
    make_gathering(alice, days=-2, held_at=timezone.now() - timedelta(days=2))  # before the cycle began
    make_gathering(alice, days=-0.1)  # over, but nobody was checked in: not held
    make_gathering(alice, days=3)  # not held yet
    response = make_client(sam).get(reverse("dashboard:index"))
    totals = response.context["totals"]
    assert (totals.calls, totals.knocks, totals.conversations, totals.gatherings_held) == (1, 1, 1, 1)
    assert dict(totals.ids)["1 Strong Dem"] == 1 and dict(totals.ids)["2 Lean Dem"] == 0


def test_a_coordinator_sees_their_counties_against_their_share_of_the_goals(program, carol, dave):
    response = make_client(carol).get(reverse("dashboard:index"))
    assert response.context["scope"].counties == ("Nodaway",)
    assert response.context["outlook"].active == 1
    # No goals for Nodaway: the statewide ones times its 6 of 8 registered voters.
    milestones = [m.milestone.target for m in response.context["outlook"].milestones]
    assert milestones == [750, 2250, 3750]
    assert "registered voters (75.0%)" in response.content.decode()
    # dave coordinates Boone: bob has lists there but has reported nothing this cycle.
    response = make_client(dave).get(reverse("dashboard:index"))
    assert response.context["outlook"].active == 0
    assert response.context["totals"].calls == 0


def test_county_goals_replace_the_share(program, carol, sam):
    Goal.objects.create(cycle=program.cycle, due=date(2028, 6, 1), active_leaders=5, county="Nodaway")
    response = make_client(carol).get(reverse("dashboard:county", args=["nodaway"]))
    assert [m.milestone.target for m in response.context["outlook"].milestones] == [5]
    assert response.context["goal_source"] == "Goals set for these counties."


def test_the_series_is_the_day_each_active_leader_first_reported(program, alice, bob):
    carl = make_leader("carl@example.org", offset(MARYVILLE, 2000, 0))
    make_turf(carl, cycle=program.cycle)
    attempt(bob, voter=program.callees[1], days_ago=0)  # bob becomes active today
    everyone = Scope(None, "Missouri")
    today = timezone.localdate()
    assert activity(program.cycle, everyone).active_on(today) == 2  # alice and bob; carl has lists, no report
    assert activity(program.cycle, Scope(("Boone",), "Boone")).active_on(today) == 1


def test_the_chart_has_a_table_with_every_week(program, sam):
    response = make_client(sam).get(reverse("dashboard:index"))
    rows = response.context["chart"]["rows"]
    assert rows[0].day == timezone.localdate() and rows[0].active == 1  # the cycle began today
    assert rows[-1].day == date(2028, 10, 1) and rows[-1].active is None and rows[-1].goal == 5000


def test_the_dashboard_costs_the_same_queries_for_more_leaders(program, sam, alice):
    client = make_client(sam)
    client.get(reverse("dashboard:index"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("dashboard:index"))
    for n in range(5):
        leader = make_leader(f"more{n}@example.org", offset(MARYVILLE, 3000 + 100 * n, 0))
        make_turf(leader, cycle=program.cycle)
        attempt(leader, household=program.door, channel="door", result="not_home")
    with CaptureQueriesContext(connection) as after:
        assert client.get(reverse("dashboard:index")).context["outlook"].active == 6
    assert len(after.captured_queries) == len(before.captured_queries)


def test_nobody_but_staff_and_coordinators_reaches_it(program, alice, cathy):
    assert make_client(alice).get(reverse("dashboard:index")).status_code == 404
    assert make_client(cathy).get(reverse("dashboard:coverage")).status_code == 404


def test_a_bad_goal_is_refused_with_its_reason_and_writes_nothing(program, sam):
    client = make_client(sam)
    client.post(reverse("dashboard:goal_defaults"))
    before = Goal.objects.count()
    response = client.post(reverse("dashboard:goals"), {"due": "2028-07-01", "active_leaders": "10",
                                                        "county": "Nodaway", "house_district": "20 LE 003"})  # fmt: skip
    assert response.status_code == 400 and "not both" in response.content.decode()
    response = client.post(reverse("dashboard:goals"), {"due": "2028-06-01", "active_leaders": "10"})
    assert response.status_code == 400 and "already" in response.content.decode()
    response = client.post(reverse("dashboard:goals"), {"due": "someday", "active_leaders": "-3"})
    assert response.status_code == 400
    assert Goal.objects.count() == before
    response = client.post(
        reverse("dashboard:goals"),
        {"due": "2028-07-01", "active_leaders": "10", "house_district": "20 le 003"},
    )
    assert response.status_code == 302
    assert Goal.objects.get(house_district="20 LE 003").updated_by == sam


def test_no_active_cycle_says_how_to_start_one(sam):
    response = make_client(sam).get(reverse("dashboard:index"))
    assert response.status_code == 200 and "start_cycle" in response.content.decode()


def test_the_staff_home_page_links_to_the_dashboard(sam):
    assert reverse("dashboard:index") in make_client(sam).get(reverse("home")).content.decode()


def test_house_district_goals_show_their_active_leaders(program, sam, alice):
    Voter.objects.filter(pk=alice.voter_id).update(legislative_district="20 LE 001")
    Goal.objects.create(
        cycle=program.cycle, due=date(2028, 6, 1), active_leaders=3, house_district="20 LE 001"
    )
    Goal.objects.create(
        cycle=program.cycle, due=date(2028, 6, 1), active_leaders=2, house_district="20 LE 002"
    )
    response = make_client(sam).get(reverse("dashboard:index"))
    rows = {row.district: (row.active, row.milestone.target) for row in response.context["districts"]}
    assert rows == {"20 LE 001": (1, 3), "20 LE 002": (0, 2)}
    assert "House districts with goals" in response.content.decode()


def test_activity_counts_are_a_few_minutes_old_and_say_so(program, sam, alice):
    from dashboard.services import summarize_counties

    client = make_client(sam)
    summarize_counties(cycle=program.cycle)
    assert client.get(reverse("dashboard:index")).context["totals"].calls == 1
    attempt(alice, voter=program.callees[1])
    response = client.get(reverse("dashboard:index"))
    assert response.context["totals"].calls == 1
    assert "as of a few minutes ago" in response.content.decode()
    summarize_counties(cycle=program.cycle)  # the next count, a few minutes later
    assert client.get(reverse("dashboard:index")).context["totals"].calls == 2


def test_the_funnel_counts_who_reached_each_stage_and_the_share_who_went_on(program, sam, carol):
    from leaders.models import LeaderProfile, StageChange
    from leaders.pipeline import add_prospect

    StageChange.objects.all().delete()
    ladder = LeaderProfile.LADDER
    # Four prospects in Nodaway: all invited, two signed up (as far as the ladder goes), one past first contact.
    people = [add_prospect(first_name=f"P{n}", email=f"p{n}@example.org", county="Nodaway") for n in range(4)]
    for profile in people:
        StageChange.objects.create(profile=profile, from_stage="prospect", to_stage="invited")
    StageChange.objects.create(profile=people[0], from_stage="invited", to_stage="signed_up")
    # Skipped stages count as reached: people[1] jumped from invited to first contact.
    StageChange.objects.create(profile=people[1], from_stage="invited", to_stage="first_contact")
    add_prospect(first_name="Far", email="far@example.org", county="Boone")
    steps = {step.stage: step for step in make_client(sam).get(reverse("dashboard:index")).context["funnel"]}
    assert [steps[s].reached for s in ladder[:6]] == [5, 4, 2, 1, 1, 1]
    assert (steps["invited"].percent, steps["signed_up"].percent, steps["approved"].percent) == (80, 50, 50)
    # carol coordinates Nodaway: the Boone prospect is not hers.
    mine = {s.stage: s for s in make_client(carol).get(reverse("dashboard:index")).context["funnel"]}
    assert mine["prospect"].reached == 4 and mine["recruited"].reached == 0
