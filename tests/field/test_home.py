"""The leader's home screen: progress on both lists, and the next call and door to take."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from contacts.models import Voter
from tests.cast import MARYVILLE, a_knock, make_client, make_household, make_turf, make_voter, offset
from tests.field.test_sync import post
from turf.models import Entry


def test_it_counts_progress_and_sends_the_leader_to_the_next_door_in_walking_order(alice, lists):
    # Alice's doors are two on Elm; add a door on a street further away that sorts first by name.
    far = make_voter(make_household(offset(MARYVILLE, 0, 900), street="Ash", number=2))
    make_turf(alice, cycle=lists.cycle, doors=[far])
    Entry.objects.filter(voter=far).update(distance_m=900)
    client = make_client(alice)
    home = client.get(reverse("home")).context
    assert (home["doors_done"], home["doors_total"], home["door_voters"]) == (0, 3, 5)  # doors are households
    assert home["next_door"].household == lists.homes[0]  # the nearest street first, not "Ash"
    post(client, [a_knock(lists.homes[0])])
    home = client.get(reverse("home")).context
    assert (home["doors_done"], home["door_voters"]) == (1, 5)  # one door knocked, two voters live there
    assert home["next_door"].household == lists.homes[1]


def test_it_says_so_when_everyone_on_the_lists_has_gone(alice, lists):
    client = make_client(alice)
    assert "Nobody is left on your lists" not in client.get(reverse("home")).text
    Voter.objects.update(is_registered=False)  # a new voter file no longer has any of them

    home = client.get(reverse("home"))

    assert (home.context["calls_total"], home.context["doors_total"]) == (0, 0)
    assert "Nobody is left on your lists" in home.text
    assert f'href="{reverse("turf:mine")}"' in home.text


def test_it_says_so_when_the_lists_were_empty_from_the_start(alice, lists):
    Entry.objects.filter(turf__leader=alice).delete()  # nobody near her was free when her turf was cut

    home = make_client(alice).get(reverse("home"))

    assert "Nobody near you was free to call or knock" in home.text
    assert "Nobody is left on your lists" not in home.text


def test_it_counts_a_door_as_knocked_exactly_when_the_door_list_ticks_it(alice, lists):
    client = make_client(alice)
    post(client, [a_knock(lists.homes[0])])
    # The door came onto her list after she knocked it (moved over from a neighbor's this cycle):
    # the knock still counts, on the home screen as on the door list.
    Entry.objects.filter(household=lists.homes[0]).update(added_at=timezone.now() + timedelta(minutes=5))

    doors = client.get(reverse("field:doors")).context["doors"]
    home = client.get(reverse("home")).context

    assert [door.knocked for door in doors] == [True, False]
    assert home["doors_done"] == sum(door.knocked for door in doors) == 1
    assert home["next_door"].household == lists.homes[1]
