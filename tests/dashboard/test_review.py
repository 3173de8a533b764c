"""The review of plausibility flags over HTTP: scoping, the list, a flag, confirm and roll back."""

from datetime import timedelta

import pytest
from django.urls import reverse

from contacts.models import ContactAttempt, PlausibilityFlag, Suppression
from contacts.plausibility import flag_implausible
from tests.cast import make_client, make_household, make_voter
from tests.contacts.test_plausibility import FARM, MILE, knocks, offset

pytestmark = pytest.mark.django_db(databases=["default", "shared"])


@pytest.fixture
def flag(alice):
    doors = [make_household(offset(FARM, east_m=i * MILE, north_m=0)) for i in range(4)]
    made_up = knocks(alice, doors, every=timedelta(minutes=1), result="talked")
    Suppression.objects.create(
        voter=make_voter(doors[0]), reason="hostile", attempt=made_up[0], created_by=alice
    )
    flag_implausible()
    return PlausibilityFlag.objects.get()


def test_the_coordinator_sees_the_flag_in_the_list_and_its_contacts(carol, flag):
    client = make_client(carol)
    listed = client.get(reverse("dashboard:flags")).content.decode()
    assert flag.reason in listed and "Alice" in listed
    page = client.get(reverse("dashboard:flag", args=[flag.pk])).content.decode()
    assert page.count("Talked") == 4
    assert "Roll back these contacts" in page


def test_another_countys_coordinator_gets_404_and_an_empty_list(dave, flag):
    client = make_client(dave)
    assert flag.reason not in client.get(reverse("dashboard:flags")).content.decode()
    assert client.get(reverse("dashboard:flag", args=[flag.pk])).status_code == 404
    roll_back = client.post(reverse("dashboard:flag_roll_back", args=[flag.pk]), {"sure": "on"})
    assert roll_back.status_code == 404
    assert not ContactAttempt.objects.filter(withdrawn_at__isnull=False).exists()


def test_leaders_do_not_see_flags_even_their_own(alice, flag):
    client = make_client(alice)
    assert client.get(reverse("dashboard:flags")).status_code == 404
    assert client.get(reverse("dashboard:flag", args=[flag.pk])).status_code == 404


def test_rolling_back_without_confirming_writes_nothing(carol, flag):
    response = make_client(carol).post(reverse("dashboard:flag_roll_back", args=[flag.pk]))
    assert response.status_code == 400
    assert "Tick the box to confirm the rollback." in response.content.decode()
    flag.refresh_from_db()
    assert flag.is_open and not ContactAttempt.objects.filter(withdrawn_at__isnull=False).exists()


def test_rolling_back_withdraws_and_a_replay_changes_nothing(carol, flag):
    client = make_client(carol)
    url = reverse("dashboard:flag_roll_back", args=[flag.pk])
    assert client.post(url, {"sure": "on"}).status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by, flag.withdrawn_attempts, flag.withdrawn_suppressions) == (
        PlausibilityFlag.Status.ROLLED_BACK, carol, 4, 1
    )  # fmt: skip
    assert client.post(url, {"sure": "on"}).status_code == 302
    again = PlausibilityFlag.objects.get()
    assert (again.decided_at, again.withdrawn_attempts) == (flag.decided_at, 4)
    assert ContactAttempt.objects.filter(withdrawn_at=flag.decided_at).count() == 4


def test_confirming_keeps_the_contacts(sam, flag):
    client = make_client(sam)
    assert client.post(reverse("dashboard:flag_confirm", args=[flag.pk])).status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == (PlausibilityFlag.Status.CONFIRMED, sam)
    assert not ContactAttempt.objects.filter(withdrawn_at__isnull=False).exists()
    page = client.get(reverse("dashboard:flag", args=[flag.pk])).content.decode()
    assert "Roll back these contacts" not in page and "Confirmed fine by" in page
