"""Planning a gathering and seeing who said yes."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactAttempt
from events.models import Gathering, Invitation
from tests.cast import make_client, make_gathering


def test_a_leader_plans_a_gathering(alice):
    day = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%d")
    response = make_client(alice).post(
        reverse("events:gathering_new"),
        {"kind": "community", "day": day, "start": "18:30", "end": "20:00", "place": "Maryville Public Library",
         "address": "509 N Main St", "capacity": 30},
    )  # fmt: skip
    gathering = Gathering.objects.get()
    assert response["Location"] == reverse("events:gathering", args=[gathering.pk])
    assert (gathering.host, gathering.kind, gathering.capacity) == (alice, "community", 30)


def test_it_refuses_a_gathering_in_the_past(alice):
    response = make_client(alice).post(
        reverse("events:gathering_new"),
        {"kind": "house_meeting", "day": "2020-01-01", "start": "18:00", "end": "19:00", "place": "Home"},
    )
    assert response.status_code == 200 and "future" in response.text
    assert not Gathering.objects.exists()


def test_the_host_sees_the_rsvps(alice, lists):
    gathering = make_gathering(alice)
    attempt = ContactAttempt.objects.create(leader=alice, voter=lists.calls[0], channel="phone", result="talked",
                                            device_time=timezone.now())  # fmt: skip
    Invitation.objects.create(gathering=gathering, voter=lists.calls[0], invited_by=alice, rsvp="yes",
                              attempt=attempt, answered_at=timezone.now())  # fmt: skip
    response = make_client(alice).get(reverse("events:gathering", args=[gathering.pk]))
    assert response.context["counts"] == {"yes": 1, "maybe": 0, "no": 0, "invited": 0}
    assert lists.calls[0].full_name in response.text


def test_another_leaders_gathering_is_404(alice, bob):
    gathering = make_gathering(alice)
    assert make_client(bob).get(reverse("events:gathering", args=[gathering.pk])).status_code == 404
    assert make_client(bob).get(reverse("events:gathering_edit", args=[gathering.pk])).status_code == 404


def test_the_coordinator_sees_it_but_only_the_host_changes_it(alice, carol, lists):
    gathering = make_gathering(alice)
    assert make_client(carol).get(reverse("events:gathering", args=[gathering.pk])).status_code == 200
    assert (
        make_client(carol).post(reverse("events:gathering_edit", args=[gathering.pk]), {}).status_code == 403
    )
