"""Planning a gathering and seeing who said yes."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
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


# --- the form: times in the party's time zone, bad input ----------------------------------------------


def _post_new(client, **fields):
    data = {
        "kind": "house_meeting",
        "day": "2030-03-10",
        "start": "19:00",
        "end": "20:30",
        "place": "Our living room",
    }
    return client.post(reverse("events:gathering_new"), data | fields)


@pytest.mark.parametrize(
    ("day", "offset_hours"),
    [("2030-03-10", -5), ("2030-11-03", -6), ("2030-03-09", -6), ("2030-11-02", -5)],
    ids=["spring-forward-day", "fall-back-day", "day-before-spring", "day-before-fall"],
)
def test_a_gathering_on_a_dst_change_day_keeps_its_wall_clock_time(alice, day, offset_hours):
    _post_new(make_client(alice), day=day, start="19:00", end="20:30")
    gathering = Gathering.objects.get()
    local = timezone.localtime(gathering.starts_at)
    assert (local.strftime("%Y-%m-%d %H:%M"), local.utcoffset()) == (
        f"{day} 19:00",
        timedelta(hours=offset_hours),
    )
    assert gathering.ends_at - gathering.starts_at == timedelta(minutes=90)


def test_it_refuses_a_time_the_clocks_skip(alice):
    response = _post_new(make_client(alice), day="2030-03-10", start="02:30", end="04:00")
    assert "does not exist" in response.text and not Gathering.objects.exists()


def test_the_time_that_happens_twice_is_the_first_one(alice):
    _post_new(make_client(alice), day="2030-11-03", start="01:30", end="03:00")
    gathering = Gathering.objects.get()
    assert timezone.localtime(gathering.starts_at).utcoffset() == timedelta(hours=-5)  # still daylight time
    assert gathering.ends_at - gathering.starts_at == timedelta(hours=2, minutes=30)  # 1:30 CDT to 3:00 CST


def test_it_refuses_an_end_before_the_start(alice):
    response = _post_new(make_client(alice), start="19:00", end="18:00")
    assert "The end must be after the start." in response.text and not Gathering.objects.exists()


def test_it_refuses_a_place_over_two_lines(alice):
    response = _post_new(make_client(alice), place="Library\r\nBcc: everyone@example.org")
    assert "Keep this on one line." in response.text and not Gathering.objects.exists()


def test_html_in_notes_is_shown_as_text(alice):
    _post_new(make_client(alice), notes="<script>alert(1)</script>\nBring a chair")
    gathering = Gathering.objects.get()
    page = make_client(alice).get(reverse("events:gathering", args=[gathering.pk])).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Bring a chair" in page and "<script>alert" not in page


def test_the_database_refuses_an_end_before_the_start(alice):
    gathering = make_gathering(alice)
    gathering.ends_at = gathering.starts_at
    with pytest.raises(IntegrityError), transaction.atomic():
        gathering.save()


# --- the host invites, changes and cancels ----------------------------------------------------------


def test_the_host_invites_from_the_call_list_and_the_doors_they_talked_at(alice, lists):
    gathering = make_gathering(alice)
    door_voter, silent_door = lists.door_voters[0], lists.door_voters[1]
    ContactAttempt.objects.create(leader=alice, voter=door_voter, household=door_voter.household, channel="door",
                                  result="talked", device_time=timezone.now())  # fmt: skip
    page = make_client(alice).get(reverse("events:gathering", args=[gathering.pk]))
    offered = dict(page.context["invite_form"].fields["voters"].choices)
    assert set(offered) == {voter.pk for voter in lists.calls} | {door_voter.pk}
    assert silent_door.pk not in offered and lists.bobs_voter.pk not in offered

    client = make_client(alice)
    response = client.post(
        reverse("events:gathering_invite", args=[gathering.pk]),
        {"voters": [lists.calls[0].pk, door_voter.pk]},
    )
    assert response.status_code == 302
    assert "Invited 2." in client.get(response["Location"]).text
    assert set(gathering.invitations.values_list("voter", "rsvp")) == {
        (lists.calls[0].pk, "invited"), (door_voter.pk, "invited"),
    }  # fmt: skip


def test_the_host_cannot_invite_someone_elses_neighbor(alice, lists):
    gathering = make_gathering(alice)
    make_client(alice).post(
        reverse("events:gathering_invite", args=[gathering.pk]), {"voters": [lists.bobs_voter.pk]}
    )
    assert not gathering.invitations.exists()


def test_another_leader_cannot_reach_the_host_pages(alice, bob, lists):
    gathering = make_gathering(alice)
    invitation = Invitation.objects.create(gathering=gathering, voter=lists.calls[0], invited_by=alice)
    for url in (
        reverse("events:gathering_cancel", args=[gathering.pk]),
        reverse("events:invitation_link", args=[gathering.pk, invitation.pk]),
    ):
        assert make_client(bob).get(url).status_code == 404
    assert (
        make_client(bob).post(reverse("events:gathering_invite", args=[gathering.pk]), {}).status_code == 404
    )


def test_a_changed_time_bumps_the_sequence_but_new_notes_do_not(alice):
    starts_at = (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    gathering = make_gathering(alice, days=10)
    Gathering.objects.filter(pk=gathering.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    gathering.refresh_from_db()
    client = make_client(alice)
    local = timezone.localtime(gathering.starts_at)
    fields = {"kind": gathering.kind, "day": local.strftime("%Y-%m-%d"), "start": local.strftime("%H:%M"),
              "end": timezone.localtime(gathering.ends_at).strftime("%H:%M"), "place": gathering.place}  # fmt: skip
    client.post(reverse("events:gathering_edit", args=[gathering.pk]), fields | {"notes": "Park behind"})
    gathering.refresh_from_db()
    assert (gathering.notes, gathering.sequence) == ("Park behind", 0)
    client.post(reverse("events:gathering_edit", args=[gathering.pk]), fields | {"place": "The library"})
    gathering.refresh_from_db()
    assert (gathering.place, gathering.sequence) == ("The library", 1)


def test_it_refuses_a_capacity_below_the_yeses(alice, lists):
    gathering = make_gathering(alice, capacity=5)
    for voter in lists.calls[:2]:
        Invitation.objects.create(gathering=gathering, voter=voter, invited_by=alice, rsvp="yes")
    local = timezone.localtime(gathering.starts_at)
    response = make_client(alice).post(
        reverse("events:gathering_edit", args=[gathering.pk]),
        {"kind": gathering.kind, "day": local.strftime("%Y-%m-%d"), "start": local.strftime("%H:%M"),
         "end": timezone.localtime(gathering.ends_at).strftime("%H:%M"), "place": "Elsewhere", "capacity": 1},
    )  # fmt: skip
    assert "2 people already said yes" in response.text
    gathering.refresh_from_db()
    assert (gathering.capacity, gathering.place, gathering.sequence) == (5, "The Lions Club", 0)


def test_the_host_cancels_after_a_confirmation(alice):
    gathering = make_gathering(alice)
    client = make_client(alice)
    assert "Yes, cancel it" in client.get(reverse("events:gathering_cancel", args=[gathering.pk])).text
    client.post(reverse("events:gathering_cancel", args=[gathering.pk]))
    gathering.refresh_from_db()
    assert gathering.is_cancelled and gathering.sequence == 1
    assert not Gathering.objects.upcoming().exists()
