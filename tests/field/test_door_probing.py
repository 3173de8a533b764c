"""A host is no oracle of the voter file: walk-ins answer the same whether a voter matched or not,
only while the gathering is on, and only so many per gathering."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Attendee, Gathering
from tests.cast import make_client, make_gathering
from tests.field.test_door import approved, check_in, invite, jo, statuses, sync, tonight, walk_in  # noqa: F401


def door_rows(client, gathering) -> list[str]:
    """The walk-in rows of the door page, each with the name the host typed taken out."""
    page = client.get(reverse("field:door", args=[gathering.pk])).content.decode()
    section = page.split("data-door-walk-ins", 1)[1].split("</ul>", 1)[0]
    rows = re.findall(r'<li class="door-person[^"]*" data-attendee="[^"]+">(.*?)</li>', section, re.S)
    uuids = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    return [re.sub(uuids, "", re.sub(r'<span class="field-name">[^<]*</span>', "", row)) for row in rows]


def test_the_host_cannot_tell_a_match_from_a_guest(alice, approved, tonight, jo):  # noqa: F811
    client = make_client(alice)
    matched = walk_in(tonight, "Jo March", address="412 Juniper St")
    unknown = walk_in(tonight, "Jo Marsh", address="412 Juniper St")
    assert statuses(sync(client, [matched])) == statuses(sync(client, [unknown])) == [("created", "")]
    assert Attendee.objects.get(client_uuid=matched["uuid"]).voter == jo  # staff still know
    page = client.get(reverse("field:door", args=[tonight.pk])).content.decode()
    assert "In the voter file" not in page and "JO MARCH" not in page
    first, second = door_rows(client, tonight)
    assert first == second


def test_a_second_walk_in_of_someone_already_in_answers_as_any_other(alice, approved, tonight, jo):  # noqa: F811
    client = make_client(alice)
    sync(client, [check_in(tonight, invite(tonight, jo))])
    probe = walk_in(tonight, "Jo March", phone="6605550123")
    assert statuses(sync(client, [probe])) == [("created", "")]
    assert Attendee.objects.filter(voter=jo).count() == 1
    assert Attendee.objects.get(client_uuid=probe["uuid"]).voter is None


def test_a_host_probing_fifty_names_gets_only_the_gatherings_share(alice, tonight, settings):  # noqa: F811
    settings.DOOR_WALK_INS_PER_GATHERING = 20
    probes = [walk_in(tonight, f"Person{i} Probe", phone=f"660555{i:04d}") for i in range(50)]
    results = statuses(sync(make_client(alice), probes))
    assert results[:20] == [("created", "")] * 20
    assert {status for status, _ in results[20:]} == {"rejected"}
    assert "walk-ins" in results[20][1]
    assert Attendee.objects.count() == 20


@pytest.mark.parametrize("starts_in", [timedelta(days=3), timedelta(days=-3)])
def test_walk_ins_are_taken_only_while_the_gathering_is_on(alice, starts_in):
    gathering = make_gathering(alice)
    Gathering.objects.filter(pk=gathering.pk).update(
        starts_at=timezone.now() + starts_in, ends_at=timezone.now() + starts_in + timedelta(hours=2)
    )
    [(status, error)] = statuses(
        sync(make_client(alice), [walk_in(gathering, "Pat Guest", phone="6605550177")])
    )
    assert status == "rejected" and "while the gathering is on" in error
    assert not Attendee.objects.exists()


def test_a_walk_in_synced_late_from_an_offline_phone_still_counts(alice, tonight):  # noqa: F811
    during = timezone.now()
    Gathering.objects.filter(pk=tonight.pk).update(
        starts_at=during - timedelta(hours=5), ends_at=during - timedelta(hours=3)
    )
    item = walk_in(
        tonight, "Pat Guest", phone="6605550177", device_time=(during - timedelta(hours=4)).isoformat()
    )
    assert statuses(sync(make_client(alice), [item])) == [("created", "")]


def test_staff_see_who_matched_on_the_gathering_page_and_the_host_does_not(alice, approved, sam, tonight, jo):  # noqa: F811
    sync(make_client(alice), [walk_in(tonight, "Jo March", address="412 Juniper St"),
                              walk_in(tonight, "Pat Guest", phone="6605550177")])  # fmt: skip
    staff_page = make_client(sam).get(reverse("events:gathering", args=[tonight.pk])).content.decode()
    assert "Jo March" in staff_page and "In the voter file" in staff_page and "· Guest ·" in staff_page
    host_page = make_client(alice).get(reverse("events:gathering", args=[tonight.pk])).content.decode()
    assert "In the voter file" not in host_page
