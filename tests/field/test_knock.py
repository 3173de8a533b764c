"""The door list and the knock screen of the field app."""

from django.urls import reverse

from contacts.models import PartyID, Suppression
from tests.cast import (
    MARYVILLE,
    make_client,
    make_cycle,
    make_household,
    make_suppression,
    make_turf,
    make_voter,
    offset,
)


def make_doors(alice):
    """Alice's door list: Elm Street out of order on purpose, two voters a door."""
    cycle = make_cycle()
    numbers = [104, 100, 102]
    homes = [
        make_household(offset(MARYVILLE, 0, 30 * i), street="Elm", number=n) for i, n in enumerate(numbers)
    ]
    voters = [make_voter(home, first=name) for home in homes for name in ("Pat", "Sam")]
    make_turf(alice, cycle=cycle, doors=voters)
    return sorted(homes, key=lambda home: home.house_number)


def test_it_lists_doors_in_walking_order(alice):
    homes = make_doors(alice)
    response = make_client(alice).get(reverse("field:doors"))
    assert response.status_code == 200
    assert [door.household for door in response.context["doors"]] == homes
    assert response["X-Offline-Page"] == "1"


def test_the_knock_screen_names_everyone_to_ask_and_leads_to_the_next_door(alice):
    homes = make_doors(alice)
    response = make_client(alice).get(reverse("field:knock", args=[homes[0].pk]))
    assert response.status_code == 200
    assert [voter.first_name for voter in response.context["door"].voters] == ["Pat", "Sam"]
    assert response.context["next_url"] == reverse("field:knock", args=[homes[1].pk])
    assert 'name="people-1-party_id"' in response.text


def test_a_hostile_household_warns_every_leader_before_they_knock(alice):
    homes = make_doors(alice)
    # Pat was hostile to another leader; Sam is still on alice's list, so alice must be warned.
    make_suppression(homes[0].voters.get(first_name="Pat"), Suppression.Reason.HOSTILE)
    response = make_client(alice).get(reverse("field:knock", args=[homes[0].pk]))
    assert response.context["hostile"] and "Warning: someone here was hostile" in response.text
    listed = make_client(alice).get(reverse("field:doors"))
    assert [door.hostile for door in listed.context["doors"]] == [True, False, False]


def test_another_leaders_door_is_404(alice, bob):
    homes = make_doors(alice)
    assert make_client(bob).get(reverse("field:knock", args=[homes[0].pk])).status_code == 404


def test_a_coordinator_who_can_see_the_door_gets_403(alice, carol):
    homes = make_doors(alice)
    assert make_client(carol).get(reverse("field:knock", args=[homes[0].pk])).status_code == 403
    assert make_client(carol).get(reverse("field:doors")).status_code == 404


def test_the_knock_form_posted_without_javascript_reports_who_moved(alice):
    homes = make_doors(alice)
    pat, sam = homes[0].voters.order_by("first_name")
    form = {
        "uuid": "6f1d1c1e-31a5-4b7a-9a51-1c6f0e2d4b10", "channel": "door", "household": homes[0].pk,
        "people-0-voter": pat.pk, "people-1-voter": sam.pk, "people-1-party_id": "2",  # picked before the button
        "result": f"moved:{pat.pk}", "next": reverse("field:doors"),
    }  # fmt: skip
    response = make_client(alice).post(reverse("field:record"), form)
    assert response.status_code == 302
    suppression = Suppression.objects.get()
    assert (suppression.voter, suppression.reason, suppression.confirmed_at) == (pat, "moved", None)
    assert not PartyID.objects.exists()


def test_the_knock_form_sent_twice_without_javascript_records_once_with_its_ids(alice):
    """A double tap, a reload of the POST, or Back to the cached screen and Save again."""
    homes = make_doors(alice)
    client = make_client(alice)
    screen = client.get(reverse("field:knock", args=[homes[0].pk]))
    pat = homes[0].voters.get(first_name="Pat")
    form = {"uuid": str(screen.context["client_uuid"]), "channel": "door", "household": homes[0].pk,
            "result": "talked", "people-0-voter": pat.pk, "people-0-party_id": "2",
            "next": screen.context["next_url"]}  # fmt: skip
    for _ in range(2):
        assert client.post(reverse("field:record"), form).status_code == 302
    assert list(PartyID.objects.values_list("voter", "value")) == [(pat.pk, 2)]
    assert PartyID.objects.get().attempt.client_uuid == screen.context["client_uuid"]
