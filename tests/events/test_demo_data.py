"""make_demo_data gives `make run` a demo a person can click through: lists cut, a gathering set."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from events.models import Gathering
from leaders.demo import demo_email
from leaders.models import User
from tests.cast import make_client
from turf.models import Cycle, Turf


def test_it_cuts_the_demo_leaders_turf_near_their_homes_and_plans_a_gathering(db):
    call_command("make_demo_data", "--force", "--voters", "1500", stdout=StringIO(), stderr=StringIO())
    cycle = Cycle.current()
    assert cycle is not None and cycle.name == "2028 General"
    for local, county in (("alice", "Nodaway"), ("bob", "St. Louis City")):
        leader = User.objects.get(email=demo_email(local))
        assert leader.voter.county == county
        turf = Turf.objects.get(leader=leader, cycle=cycle)
        assert turf.entries.calls().exists() and turf.entries.doors().exists()
        assert set(turf.entries.values_list("voter__county", flat=True)) == {county}
    alice = User.objects.get(email=demo_email("alice"))
    assert Gathering.objects.filter(host=alice).upcoming().exists()
    home = make_client(alice).get(reverse("home"))
    assert home.status_code == 200
    assert "Maryville Public Library" in home.text


def test_it_refuses_to_make_known_passwords_outside_development(db):
    with pytest.raises(CommandError, match="known passwords"):
        call_command("make_demo_data", "--voters", "100", stdout=StringIO())


# Committed for real: the first call's stage move waits for the commit of the call, as in `make run`.
@pytest.mark.django_db(transaction=True)
def test_it_grows_generations_of_recruits_with_their_history():
    from events.tree import recruitment_tree
    from leaders.models import LeaderProfile

    call_command("make_demo_data", "--force", "--voters", "1500", stdout=StringIO(), stderr=StringIO())
    sam = User.objects.get(email=demo_email("sam"))
    rows, total, _ = recruitment_tree(sam)
    # Eleven recruited through the pipeline, and the two who said yes at the door of alice's gathering.
    assert max(row.generation for row in rows) >= 4 and total == 13
    alice = User.objects.get(email=demo_email("alice"))
    from_the_door = LeaderProfile.objects.filter(origin="gathering", recruiter=alice, attendances__ask="yes")
    assert from_the_door.count() == 2
    dora = LeaderProfile.objects.get(user__email=demo_email("dora"))
    assert dora.stage == LeaderProfile.Stage.RECRUITED and dora.user.turfs.exists()
    assert list(dora.stage_changes.values_list("to_stage", flat=True)) == [
        "prospect", "invited", "signed_up", "approved", "turf_delivered", "first_contact", "recruited",
    ]  # fmt: skip
    assert LeaderProfile.objects.get(user__email=demo_email("alice")).stage == LeaderProfile.Stage.RECRUITED
    dates = list(dora.stage_changes.values_list("at", flat=True))
    assert dates == sorted(dates) and dates[-1] - dates[0] > timedelta(days=1)


def test_the_demo_gatherings_have_past_and_upcoming_rsvps(db):
    call_command("make_demo_data", "--force", "--voters", "1500", stdout=StringIO(), stderr=StringIO())
    alice = User.objects.get(email=demo_email("alice"))
    held, coming = Gathering.objects.filter(host=alice).order_by("starts_at")
    assert held.is_over and not coming.is_over
    for gathering in (held, coming):
        answers = set(gathering.invitations.values_list("rsvp", flat=True))
        assert {"yes", "maybe", "no", "invited"} <= answers
    page = make_client(alice).get(reverse("events:gathering", args=[coming.pk]))
    assert "yes" in page.text and "Coffee and cookies" in page.text


def test_the_demo_gives_every_follow_up_list_someone(db):
    from dashboard.followup import follow_up

    call_command("make_demo_data", "--force", "--voters", "1500", stdout=StringIO(), stderr=StringIO())
    staff = User.objects.filter(role=User.Role.STAFF).first()
    found = follow_up(staff)
    assert found.empty_turf and found.never_invited and found.invites_unanswered


def test_it_leaves_carol_two_flagged_batches_to_review(db):
    from contacts.models import PlausibilityFlag

    call_command("make_demo_data", "--force", "--voters", "1500", stdout=StringIO(), stderr=StringIO())
    flags = PlausibilityFlag.objects.order_by("rule")
    # The day of talks also hops between doors faster than one drives: a third flag, on part of it.
    found = {flag.rule: (flag.county, len(flag.attempt_ids)) for flag in flags}
    assert found[PlausibilityFlag.Rule.CLOCK] == ("Nodaway", 3)
    assert found[PlausibilityFlag.Rule.CONTACT_RATE] == ("Nodaway", 20)
    carol = User.objects.get(email=demo_email("carol"))
    listed = make_client(carol).get(reverse("dashboard:flags")).text
    assert all(flag.reason in listed for flag in flags)
