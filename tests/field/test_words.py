"""Words and numbers on the leader's screens agree: doors are households, names in name case, miles."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from contacts.models import Voter
from tests.cast import MARYVILLE, a_knock, make_client, make_household, make_turf, make_voter, offset
from tests.field.test_sync import post


def test_the_home_card_counts_doors_as_households_with_voters_as_the_detail(alice, lists):
    client = make_client(alice)
    post(client, [a_knock(lists.homes[0])])

    home = client.get(reverse("home"))
    doors = client.get(reverse("field:doors"))

    assert (home.context["doors_done"], home.context["doors_total"], home.context["door_voters"]) == (1, 2, 4)
    assert "1 of 2 doors · 4 voters" in home.text
    assert "2 doors · 4 voters" in doors.text


def test_the_call_screen_says_refused_once(alice, lists):
    response = make_client(alice).get(reverse("field:call", args=[lists.calls[0].pk]))

    labels = re.findall(r"<span>([^<]+)</span>|>\s*([A-Z][^<>]*?)\s*</button>", response.text)
    words = [a or b for a, b in labels]
    assert words.count("Refused") == 1
    assert "Won't say" in words or "Won&#x27;t say" in words


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("MARY", "MCDONALD", "Mary McDonald"),
        ("JOHN", "MACDONALD", "John MacDonald"),
        ("SEAN", "O'BRIEN", "Sean O'Brien"),
        ("ANNE", "SMITH-JONES", "Anne Smith-Jones"),
        ("BILLY BOB", "VAN DYKE", "Billy Bob Van Dyke"),
        ("MACK", "MACE", "Mack Mace"),
        ("ROSA", "MACHADO", "Rosa Machado"),
        ("Lisa", "deMarco", "Lisa deMarco"),
    ],
)
def test_a_voter_file_name_in_capitals_is_shown_in_name_case(db, first, last, shown):
    voter = make_voter(None, first=first, last=last)
    assert voter.display_name == shown
    assert Voter.objects.get(pk=voter.pk).last_name == last  # the file's spelling is kept


def test_it_keeps_the_suffix_and_the_middle_initial(db):
    voter = make_voter(None, first="ROBERT", last="SMITH")
    voter.middle_name, voter.suffix = "EARL", "JR"
    assert voter.display_name == "Robert E Smith Jr"
    voter.suffix = "III"
    assert voter.display_name == "Robert E Smith III"


def test_the_call_list_and_door_list_show_names_in_name_case(alice, lists):
    Voter.objects.filter(pk=lists.calls[0].pk).update(first_name="MARGARET", last_name="O'NEILL")
    Voter.objects.filter(pk=lists.door_voters[0].pk).update(first_name="DOROTHY")
    client = make_client(alice)

    calls = client.get(reverse("field:calls")).text
    call = client.get(reverse("field:call", args=[lists.calls[0].pk])).text
    doors = client.get(reverse("field:doors")).text

    assert "Margaret O&#x27;Neill" in calls and "MARGARET" not in calls
    assert "Margaret O&#x27;Neill" in call and "MARGARET" not in call
    assert "Dorothy" in doors and "DOROTHY" not in doors


def render_distance(metres):
    return Template("{% load turf_tags %}{{ metres|distance }}").render(Context({"metres": metres}))


def test_distances_are_in_feet_and_miles_by_default(settings):
    assert settings.DISTANCE_UNITS == "imperial"
    assert render_distance(50) == "160 ft"
    assert render_distance(400) == "0.2 mi"
    assert render_distance(2500) == "1.6 mi"
    assert render_distance(30_000) == "19 mi"
    assert render_distance(None) == "—"


def test_distances_follow_the_metric_setting(settings):
    settings.DISTANCE_UNITS = "metric"
    assert render_distance(47) == "50 m"
    assert render_distance(2500) == "2.5 km"


def test_the_staff_turf_page_shows_miles(sam, alice, lists):
    far = make_voter(make_household(offset(MARYVILLE, 0, 3000), street="Ash"))
    make_turf(alice, cycle=lists.cycle, doors=[far])
    text = make_client(sam).get(reverse("turf:detail", args=[lists.alice_turf.pk])).text
    assert " mi" in text or " ft" in text
    assert " km" not in text
