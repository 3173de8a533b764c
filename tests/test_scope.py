"""One coordinator scope on every page (DESIGN.md section 8).

A coordinator sees the leaders whose home is in their counties, everything on those leaders' lists
(a listed voter may live across the county line), and the voters of their counties. Here alice
lives in Nodaway (carol's county) and has Boone voters on her lists; bea lives in Boone (dave's).
Every page or API that shows or records a voter or household must agree on who sees whom.
"""

import json
import uuid
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactAttempt, Suppression
from events.models import Invitation
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

NOT_FOUND, FORBIDDEN = 404, 403


@pytest.fixture
def boone(db, carol, dave, sam):
    """alice (Nodaway) lists Boone voters; bea (Boone) lists another; one Boone voter is on no list."""
    cycle = make_cycle()
    alice = make_leader("alice@example.org", MARYVILLE)
    bea = make_leader("bea@example.org", COLUMBIA, county="Boone", precinct="Columbia 1")

    def boone_home(east_m: float):
        return make_household(
            offset(COLUMBIA, east_m, 0), county="Boone", precinct="Columbia 1", city="Columbia"
        )

    listed_call = make_voter(boone_home(100), first="Callie", last="Across", phone=True, score=80)
    door = boone_home(200)
    listed_door = make_voter(door, first="Dora", last="Across")
    beas = make_voter(boone_home(300), first="Bess", last="Beasown", phone=True)
    nobodys = make_voter(boone_home(400), first="Nora", last="Unlisted", phone=True)
    alice_turf = make_turf(alice, cycle=cycle, calls=[listed_call], doors=[listed_door])
    make_turf(bea, cycle=cycle, calls=[beas])
    gathering = make_gathering(alice)
    Invitation.objects.create(
        gathering=gathering, voter=listed_call, invited_by=alice, rsvp="yes", answered_at=timezone.now()
    )
    reports = {
        voter.pk: Suppression.objects.create(voter=voter, reason="moved", created_by=leader)
        for voter, leader in ((listed_door, alice), (beas, bea), (nobodys, bea))
    }
    return SimpleNamespace(
        alice=alice, bea=bea, carol=carol, dave=dave, sam=sam, alice_turf=alice_turf, gathering=gathering,
        listed_call=listed_call, listed_door=listed_door, beas=beas, nobodys=nobodys, reports=reports,
    )  # fmt: skip


def sees(world) -> dict:
    """Who should see each Boone voter: carol only those on alice's lists, dave all of Boone."""
    return {
        "carol": {world.listed_call, world.listed_door},
        "dave": {world.listed_call, world.listed_door, world.beas, world.nobodys},
        "sam": {world.listed_call, world.listed_door, world.beas, world.nobodys},
    }


def boone_voters(world):
    return [world.listed_call, world.listed_door, world.beas, world.nobodys]


def test_the_household_page_shows_a_boone_door_to_whoever_sees_its_voter(boone):
    failures = []
    for who, visible in sees(boone).items():
        client = make_client(getattr(boone, who))
        for voter in boone_voters(boone):
            response = client.get(reverse("turf:household", args=[voter.household_id]))
            expected = 200 if voter in visible else NOT_FOUND
            if response.status_code != expected or (expected == 200 and voter.last_name not in response.text):
                failures.append(
                    f"{who} on {voter.first_name}'s door: {response.status_code}, expected {expected}"
                )
    assert not failures, failures


def test_the_knock_and_call_screens_are_403_for_a_visible_voter_and_404_for_the_others(boone):
    failures = []
    for who, visible in sees(boone).items():
        client = make_client(getattr(boone, who))
        for voter in boone_voters(boone):
            expected = FORBIDDEN if voter in visible else NOT_FOUND
            for url in (
                reverse("field:knock", args=[voter.household_id]),
                reverse("field:call", args=[voter.pk]),
            ):
                status = client.get(url).status_code
                if status != expected:
                    failures.append(f"{who} on {url} ({voter.first_name}): {status}, expected {expected}")
    assert not failures, failures


def a_call(voter) -> dict:
    return {"uuid": str(uuid.uuid4()), "channel": "phone", "result": "no_answer",
            "device_time": timezone.now().isoformat(), "voter": voter.pk}  # fmt: skip


# Who may record for each voter: the lists a coordinator looks after are their leaders' lists.
RECORDS = {
    "carol": {"listed_call", "listed_door"},
    "dave": {"beas"},
    "sam": {"listed_call", "listed_door", "beas"},
}


def test_the_record_form_takes_a_voter_on_a_list_in_scope_and_refuses_the_rest(boone):
    failures = []
    for who, visible in sees(boone).items():
        client = make_client(getattr(boone, who))
        for name in ("listed_call", "listed_door", "beas", "nobodys"):
            voter = getattr(boone, name)
            item = a_call(voter) | {"next": "/"}
            status = client.post(reverse("field:record"), item).status_code
            recorded = ContactAttempt.objects.filter(client_uuid=item["uuid"]).exists()
            if name in RECORDS[who]:
                ok = status == 302 and recorded
                expected = "302 and recorded"
            else:
                ok = status == (FORBIDDEN if voter in visible else NOT_FOUND) and not recorded
                expected = "403 (visible)" if voter in visible else "404"
            if not ok:
                failures.append(f"{who} recording {name}: {status} recorded={recorded}, expected {expected}")
    assert not failures, failures


def test_the_sync_api_takes_a_voter_on_a_list_in_scope_and_rejects_the_rest(boone):
    failures = []
    for who in sees(boone):
        client = make_client(getattr(boone, who))
        for name in ("listed_call", "listed_door", "beas", "nobodys"):
            item = a_call(getattr(boone, name))
            body = json.dumps({"attempts": [item]})
            response = client.post(reverse("field:sync"), body, content_type="application/json")
            status = response.json()["results"][0]["status"]
            expected = "created" if name in RECORDS[who] else "rejected"
            if status != expected:
                failures.append(f"{who} syncing {name}: {status}, expected {expected}")
    assert not failures, failures


def test_the_reports_page_and_its_buttons_follow_the_same_rule(boone):
    failures = []
    for who, visible in sees(boone).items():
        client = make_client(getattr(boone, who))
        page = client.get(reverse("contacts:reports")).text
        home = client.get(reverse("home")).text
        for voter in (boone.listed_door, boone.beas, boone.nobodys):
            shown = voter.last_name in page
            if shown != (voter in visible):
                failures.append(f"{who}'s reports page {'shows' if shown else 'hides'} {voter.first_name}")
        waiting = sum(voter in visible for voter in (boone.listed_door, boone.beas, boone.nobodys))
        if f'<span class="count">{waiting}</span>' not in home:
            failures.append(f"{who}'s menu does not count {waiting} reports waiting")
        for voter in (boone.listed_door, boone.beas, boone.nobodys):
            report = boone.reports[voter.pk]
            status = client.post(reverse("contacts:report_dismiss", args=[report.pk])).status_code
            expected = 302 if voter in visible else NOT_FOUND
            if status != expected:
                failures.append(
                    f"{who} dismissing {voter.first_name}'s report: {status}, expected {expected}"
                )
            Suppression.objects.filter(pk=report.pk).update(dismissed_at=None, dismissed_by=None)
    assert not failures, failures


def test_alices_turf_pages_and_gathering_belong_to_her_home_countys_coordinator(boone):
    turf, gathering = boone.alice_turf, boone.gathering
    urls = [
        reverse(name, args=[turf.pk])
        for name in ("turf:detail", "field:walk_sheet", "field:call_sheet", "field:paper")
    ]
    urls.append(reverse("events:gathering", args=[gathering.pk]))
    failures = []
    for who, expected in (("carol", 200), ("dave", NOT_FOUND), ("sam", 200)):
        client = make_client(getattr(boone, who))
        for url in urls:
            response = client.get(url)
            if response.status_code != expected:
                failures.append(f"{who} on {url}: {response.status_code}, expected {expected}")
            elif expected == 200 and "Across" not in response.text:
                failures.append(f"{who} on {url}: the Boone voter on the list is not shown")
    assert not failures, failures


def test_a_coordinator_adds_to_a_list_only_voters_they_see(boone):
    carol, sam = make_client(boone.carol), make_client(boone.sam)
    url = reverse("turf:add_voters", args=[boone.alice_turf.pk])
    carol.post(url, {"voter_ids": str(boone.nobodys.pk), "list": "door"})
    assert not boone.alice_turf.entries.filter(voter=boone.nobodys).exists()
    sam.post(url, {"voter_ids": str(boone.nobodys.pk), "list": "door"})
    assert boone.alice_turf.entries.filter(voter=boone.nobodys).exists()


def test_a_leaders_turf_follows_their_home_not_the_county_it_was_cut_in(boone):
    """alice moves to Boone: dave looks after her lists now, carol no longer does."""
    home = make_household(offset(COLUMBIA, 900, 0), county="Boone", precinct="Columbia 1", city="Columbia")
    voter = boone.alice.voter
    voter.household, voter.county = home, "Boone"
    voter.save()
    detail = reverse("turf:detail", args=[boone.alice_turf.pk])
    assert make_client(boone.dave).get(detail).status_code == 200
    assert make_client(boone.carol).get(detail).status_code == NOT_FOUND
    assert (
        make_client(boone.dave).get(reverse("events:gathering", args=[boone.gathering.pk])).status_code == 200
    )
    index = make_client(boone.dave).get(reverse("turf:index")).text
    assert "Alice" in index
