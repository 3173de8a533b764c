"""Paper entry: a coordinator types a walk sheet in, a row per door, safely resubmitted."""

import json
import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactAttempt, PartyID, Suppression
from tests.cast import MARYVILLE, make_client, make_cycle, make_household, make_turf, make_voter, offset


def make_sheet(alice):
    cycle = make_cycle()
    homes = [make_household(offset(MARYVILLE, 0, 30 * i), street="Elm", number=100 + 2 * i) for i in range(3)]
    voters = [make_voter(home, first=name) for home in homes for name in ("Pat", "Sam")]
    return make_turf(alice, cycle=cycle, doors=voters), homes


def drawn(client, turf) -> dict:
    """The form as the page draws it: hidden row UUIDs and the date filled in."""
    response = client.get(reverse("field:paper", args=[turf.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields if name.endswith("-uuid")}
    return data | {"sheet_date": (timezone.localdate() - timedelta(days=2)).isoformat()}


def code_field(homes, row, first):
    voter = homes[row].voters.get(first_name=first)
    return f"row-{row}-code-{voter.pk}"


def test_a_coordinator_enters_a_sheet_and_sending_it_twice_changes_nothing(alice, carol):
    turf, homes = make_sheet(alice)
    client = make_client(carol)
    data = drawn(client, turf) | {
        code_field(homes, 0, "Pat"): "1", code_field(homes, 0, "Sam"): "r",  # talked, implied by the IDs
        "row-1-result": "not_home",
        code_field(homes, 2, "Pat"): "M",  # the new owner said Pat moved away
    }  # fmt: skip
    for _ in range(2):
        response = client.post(reverse("field:paper", args=[turf.pk]), data)
        assert response.status_code == 302
    attempts = ContactAttempt.objects.order_by("household__house_number")
    assert [(a.household, a.result, a.channel, a.leader, a.entered_by) for a in attempts] == [
        (homes[0], "talked", "paper", alice, carol), (homes[1], "not_home", "paper", alice, carol),
        (homes[2], "moved", "paper", alice, carol),
    ]  # fmt: skip
    page = client.get(reverse("turf:household", args=[homes[0].pk]))
    assert f"typed in by {carol.get_short_name()}" in page.text
    assert sorted(PartyID.objects.values_list("value", "source")) == [(1, "Paper sheet"), (9, "Paper sheet")]
    assert Suppression.objects.get().voter.first_name == "Pat" and not Suppression.objects.in_force().exists()
    assert timezone.localtime(attempts[0].device_time).date() == timezone.localdate() - timedelta(days=2)


def test_it_refuses_an_unknown_code_and_an_id_without_a_conversation(alice, carol):
    turf, homes = make_sheet(alice)
    client = make_client(carol)
    data = drawn(client, turf) | {code_field(homes, 0, "Pat"): "7", "row-1-result": "not_home",
                                  code_field(homes, 1, "Sam"): "2"}  # fmt: skip
    response = client.post(reverse("field:paper", args=[turf.pk]), data)
    assert response.status_code == 200
    assert "Unknown code" in response.text and "An ID needs a conversation" in response.text
    assert not ContactAttempt.objects.exists()


def test_it_refuses_a_date_in_the_future(alice, carol):
    turf, _ = make_sheet(alice)
    client = make_client(carol)
    data = drawn(client, turf) | {"sheet_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
                                  "row-0-result": "not_home"}  # fmt: skip
    assert client.post(reverse("field:paper", args=[turf.pk]), data).status_code == 200
    assert not ContactAttempt.objects.exists()


def test_the_leader_sees_her_turf_but_gets_403_here(alice):
    turf, _ = make_sheet(alice)
    assert make_client(alice).get(reverse("field:paper", args=[turf.pk])).status_code == 403


def test_another_countys_coordinator_and_other_leaders_get_404(alice, bob, dave):
    turf, _ = make_sheet(alice)
    assert make_client(dave).get(reverse("field:paper", args=[turf.pk])).status_code == 404
    assert make_client(bob).get(reverse("field:paper", args=[turf.pk])).status_code == 404


def test_back_and_save_again_records_the_sheet_once_and_keeps_its_ids(alice, carol):
    """Back draws the sheet afresh and the browser fills in what it remembers, maybe not the IDs."""
    turf, homes = make_sheet(alice)
    client = make_client(carol)
    url = reverse("field:paper", args=[turf.pk])
    typed = {"row-0-result": "talked", code_field(homes, 0, "Pat"): "2", "row-1-result": "not_home",
             code_field(homes, 2, "Sam"): "D"}  # fmt: skip
    assert client.post(url, drawn(client, turf) | typed).status_code == 302
    assert client.post(url, drawn(client, turf) | typed).status_code == 302  # Back, Save
    without_ids = {name: value for name, value in typed.items() if "-code-" not in name or value == "D"}
    response = client.post(url, drawn(client, turf) | without_ids, follow=True)  # Back lost the IDs
    assert "Saved 0 results from the sheet; 3 were saved before." in response.text
    attempts = ContactAttempt.objects.order_by("household__house_number")
    assert [(a.household, a.result) for a in attempts] == [
        (homes[0], "talked"), (homes[1], "not_home"), (homes[2], "deceased"),
    ]  # fmt: skip
    assert list(PartyID.objects.values_list("attempt", "value")) == [(attempts[0].pk, 2)]


def test_a_sheet_of_another_day_for_the_same_doors_is_recorded(alice, carol):
    turf, homes = make_sheet(alice)
    client = make_client(carol)
    url = reverse("field:paper", args=[turf.pk])
    client.post(url, drawn(client, turf) | {"row-1-result": "not_home"})
    later = {"sheet_date": timezone.localdate().isoformat(), "row-1-result": "not_home"}
    client.post(url, drawn(client, turf) | later)
    assert ContactAttempt.objects.filter(household=homes[1], result="not_home").count() == 2


def test_another_leader_cannot_take_a_sheet_row_s_attempt_id_before_it_is_typed_in(alice, bob, carol):
    """A row's UUID is fixed by what it records; if anyone could work it out, anyone could use it first."""
    turf, homes = make_sheet(alice)
    day = timezone.localdate() - timedelta(days=2)
    bobs_door = make_household(offset(MARYVILLE, 900, 0), street="Oak", number=7)
    make_turf(bob, cycle=turf.cycle, doors=[make_voter(bobs_door, first="Lou")])
    namespace = uuid.UUID("5d0c8f38-3f0e-4d5e-9a43-2b7f0c1e6a11")
    taken = uuid.uuid5(namespace, f"{alice.pk}/{homes[1].pk}/{day.isoformat()}/not_home")
    batch = {"attempts": [{"uuid": str(taken), "channel": "door", "result": "not_home",
                           "device_time": timezone.now().isoformat(), "household": bobs_door.pk}]}  # fmt: skip
    response = make_client(bob).post(
        reverse("field:sync"), json.dumps(batch), content_type="application/json"
    )
    assert response.json()["results"][0]["status"] == "created"
    client = make_client(carol)
    client.post(reverse("field:paper", args=[turf.pk]), drawn(client, turf) | {"row-1-result": "not_home"})
    assert ContactAttempt.objects.filter(household=homes[1], leader=alice, result="not_home").exists()
