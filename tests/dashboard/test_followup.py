"""Follow-up: every list on a known program, coordinator scoping, actions, and a query count that stays flat."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.followup import follow_up
from events.models import Attendee
from leaders.models import Invitation, LeaderProfile
from leaders.pipeline import add_prospect, profile_for, record_stage
from leaders.services import invite_prospect
from tests.cast import (
    COLUMBIA,
    MARYVILLE,
    make_client,
    make_cycle,
    make_gathering,
    make_household,
    make_leader,
    make_turf,
    make_voter,
    offset,
)
from tests.dashboard.world import attempt

pytestmark = pytest.mark.django_db
Stage = LeaderProfile.Stage
SITE = "https://nl.example.org/"


def leader_with_turf(email, home, *, cycle, county="Nodaway", quiet_days=None):
    leader = make_leader(email, home, county=county)
    callee = make_voter(make_household(offset(home, 50, 0), county=county), phone=True)
    make_turf(leader, cycle=cycle, calls=[callee])
    record_stage(leader, Stage.TURF_DELIVERED, reason="turf cut")
    if quiet_days is not None:
        attempt(leader, voter=callee, days_ago=quiet_days)
    return leader


def yes(gathering, name="", voter=None, phone="", prospect=None):
    return Attendee.objects.create(
        gathering=gathering, origin=Attendee.Origin.WALK_IN, name=name, voter=voter, phone=phone, prospect=prospect,
        checked_in_at=timezone.now(), checked_in_by=gathering.host, ask=Attendee.Ask.YES, asked_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def program(sam):
    cycle = make_cycle()
    world = type("World", (), {})()
    world.cycle = cycle
    world.quiet = leader_with_turf("quiet@example.org", MARYVILLE, cycle=cycle, quiet_days=20)
    world.busy = leader_with_turf("busy@example.org", offset(MARYVILLE, 500, 0), cycle=cycle, quiet_days=2)
    world.silent = leader_with_turf("silent@example.org", offset(MARYVILLE, 900, 0), cycle=cycle)
    LeaderProfile.objects.filter(user=world.silent).update(
        stage_changed_at=timezone.now() - timedelta(days=30)
    )
    world.new = leader_with_turf("new@example.org", offset(MARYVILLE, 1300, 0), cycle=cycle)
    world.boone = leader_with_turf("boone@example.org", COLUMBIA, cycle=cycle, county="Boone", quiet_days=40)
    world.approved = make_leader("approved@example.org", offset(MARYVILLE, 0, 700))
    record_stage(world.approved, Stage.APPROVED, reason="approved")
    world.nora = add_prospect(
        first_name="Nora", last_name="New", email="nora@example.org", county="Nodaway", by=sam
    )
    world.ivan = add_prospect(
        first_name="Ivan", last_name="Old", email="ivan@example.org", county="Nodaway", by=sam
    )
    world.fresh = add_prospect(
        first_name="Fay", last_name="Fresh", email="fay@example.org", county="Nodaway", by=sam
    )
    invite_prospect(profile=world.ivan, by=sam, site_url=SITE)
    invite_prospect(profile=world.fresh, by=sam, site_url=SITE)
    Invitation.objects.filter(profile=world.ivan).update(created_at=timezone.now() - timedelta(days=10))
    gathering = make_gathering(world.quiet, days=-1)
    world.yolanda = yes(gathering, name="Yolanda Yes", phone="6605550100")
    # Yeses the door made prospects of (without an email: they wait on the never-invited list).
    zack = add_prospect(first_name="zack", last_name="ZED", recruiter=world.quiet, origin="gathering", by=sam)
    world.zack = yes(gathering, name="Zack Zed", prospect=zack)
    penny = add_prospect(
        first_name="Penelope", phone="6605550111", recruiter=world.quiet, origin="gathering", by=sam
    )
    world.penny = yes(gathering, name="Penny Phone", phone="6605550111", prospect=penny)
    # Already a leader: the voter who said yes has an account, and the door linked their profile.
    world.busy_yes = yes(gathering, voter=world.busy.voter, prospect=profile_for(world.busy))
    Attendee.objects.create(
        gathering=gathering, origin=Attendee.Origin.WALK_IN, name="Norm No", checked_in_at=timezone.now(),
        checked_in_by=world.quiet, ask=Attendee.Ask.NO, asked_at=timezone.now(),
    )  # fmt: skip
    return world


def names(rows):
    return sorted(str(row.name if isinstance(row, LeaderProfile) else row.display_name) for row in rows)


def test_each_list_holds_exactly_who_needs_following_up(program, sam):
    found = follow_up(sam)
    assert [p.user for p in found.stalled] == [program.boone, program.silent, program.quiet]
    assert found.stalled[2].last_contact_at is not None and found.stalled[1].last_contact_at is None
    assert [p.user for p in found.empty_turf] == [program.approved]
    # The two made from yeses have no email yet: a call is their action.
    assert names(found.never_invited) == ["Nora New", "Penelope", "zack ZED"]
    assert [p.pk for p in found.invites_unanswered] == [program.ivan.pk]
    assert [a.pk for a in found.yeses] == [program.yolanda.pk]


def test_the_thresholds_are_settings(program, sam, settings):
    settings.STALLED_AFTER_DAYS = 1
    settings.INVITE_NUDGE_DAYS = 30
    found = follow_up(sam)
    assert program.busy in [p.user for p in found.stalled]
    assert found.invites_unanswered == []


def test_a_coordinator_sees_their_counties_only(program, carol, dave):
    assert program.boone not in [p.user for p in follow_up(carol).stalled]
    assert [p.user for p in follow_up(dave).stalled] == [program.boone]
    assert follow_up(dave).yeses == [] and follow_up(dave).never_invited == []
    boones = LeaderProfile.objects.get(user=program.boone)
    assert make_client(carol).get(reverse("dashboard:leader", args=[boones.pk])).status_code == 404
    assert make_client(dave).get(reverse("dashboard:leader", args=[boones.pk])).status_code == 200
    response = make_client(dave).post(reverse("dashboard:yes_to_prospect", args=[program.yolanda.pk]))
    assert response.status_code == 404


def test_the_page_offers_each_action_one_click_away(program, carol):
    page = make_client(carol).get(reverse("dashboard:followup")).content.decode()
    assert 'href="tel:6605550100"' in page
    assert reverse("leaders:prospect_invite", args=[program.nora.pk]) in page
    assert reverse("leaders:prospect_invite", args=[program.ivan.pk]) in page
    assert reverse("turf:start", args=[program.approved.pk]) in page
    assert reverse("dashboard:yes_to_prospect", args=[program.yolanda.pk]) in page
    assert "Boone@example.org" not in page and "boone@example.org" not in page


def test_resending_a_link_takes_the_prospect_off_the_unanswered_list(program, carol):
    mail.outbox.clear()
    make_client(carol).post(reverse("leaders:prospect_invite", args=[program.ivan.pk]))
    assert len(mail.outbox) == 1
    assert follow_up(carol).invites_unanswered == []


def test_adding_a_yes_as_a_prospect_follows_it_up(program, carol):
    response = make_client(carol).post(reverse("dashboard:yes_to_prospect", args=[program.yolanda.pk]))
    profile = LeaderProfile.objects.get(first_name="Yolanda")
    assert response.status_code == 302 and response["Location"] == reverse(
        "dashboard:leader", args=[profile.pk]
    )
    assert (profile.recruiter, profile.origin, profile.phone) == (program.quiet, "gathering", "6605550100")
    assert follow_up(carol).yeses == []
    assert profile.pk in [p.pk for p in follow_up(carol).never_invited]


@pytest.mark.parametrize("name, args", [("dashboard:followup", []), ("dashboard:followup_list", ["stalled"])])
def test_the_query_count_does_not_grow_with_the_number_of_leaders(
    program, sam, name, args, django_assert_num_queries
):
    client, url = make_client(sam), reverse(name, args=args)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(5):
        leader_with_turf(
            f"more{i}@example.org", offset(MARYVILLE, 0, -400 * (i + 1)), cycle=program.cycle, quiet_days=30
        )
        add_prospect(first_name=f"Pros{i}", email=f"pros{i}@example.org", county="Nodaway")
    with django_assert_num_queries(len(before)):
        page = client.get(url).content.decode()
    assert page.lower().count("more") >= 5


def test_each_list_shows_the_longest_waiting_first_with_the_count_of_all_and_a_link_to_all(
    program, sam, monkeypatch
):
    monkeypatch.setattr("dashboard.followup.ROWS_SHOWN", 2)
    found = follow_up(sam)
    assert [p.user for p in found.stalled] == [program.boone, program.silent]
    assert (found.stalled.total, found.stalled.more) == (3, True)
    assert (found.empty_turf.total, found.empty_turf.more) == (1, False) and found.more
    assert found.total == 3 + 1 + 3 + 1 + 1
    page = make_client(sam).get(reverse("dashboard:followup")).content.decode()
    assert "Stalled: no call or knock for 14 days (3)" in page and "9 people to reach" in page
    assert f'href="{reverse("dashboard:followup_list", args=["stalled"])}">Show all 3<' in page
    assert reverse("dashboard:followup_list", args=["empty_turf"]) not in page


def test_show_all_pages_through_one_list_longest_waiting_first(program, sam, monkeypatch):
    monkeypatch.setattr("dashboard.followup.PAGE_SIZE", 2)
    client, url = make_client(sam), reverse("dashboard:followup_list", args=["stalled"])
    first = client.get(url)
    assert [p.user for p in first.context["lists"].stalled] == [program.boone, program.silent]
    page = first.content.decode()
    assert "Page 1 of 2" in page and 'href="?page=2"' in page
    assert 'data-list="stalled"' in page and 'data-list="yeses"' not in page
    second = client.get(url, {"page": 2}).context["lists"]
    assert [p.user for p in second.stalled] == [program.quiet] and second.stalled.total == 3
    # A page past the end shows the last; a list that does not exist is no page.
    assert [p.user for p in client.get(url, {"page": 9}).context["lists"].stalled] == [program.quiet]
    assert client.get(reverse("dashboard:followup_list", args=["nobody"])).status_code == 404


def test_a_coordinator_pages_through_their_counties_only(program, carol, dave, alice):
    url = reverse("dashboard:followup_list", args=["stalled"])
    assert [p.user for p in make_client(dave).get(url).context["lists"].stalled] == [program.boone]
    carols = make_client(carol).get(url).context["lists"].stalled
    assert program.boone not in [p.user for p in carols] and carols.total == 2
    assert make_client(alice).get(url).status_code == 404
