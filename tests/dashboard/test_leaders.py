"""Managing leaders: the CSV invite import (dry run, bad rows), deactivation, coordinators, history, export."""

import csv
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import Export
from dashboard.models import CoordinatorChange
from dashboard.services import CoordinatorError, assign_coordinator
from leaders.models import Invitation, LeaderProfile, StageChange
from leaders.pipeline import profile_for, record_stage
from tests.cast import (
    MARYVILLE,
    PASSWORD,
    make_client,
    make_cycle,
    make_home,
    make_household,
    make_leader,
    make_turf,
    make_user,
    make_voter,
    offset,
)
from turf.models import Change, PoolVoter, Turf

pytestmark = pytest.mark.django_db
Stage = LeaderProfile.Stage

GOOD = (
    "first_name,last_name,email,phone,county\n"
    "Ann,Able,ann@example.org,6605550101,Nodaway\n"
    "Ben,Baker,BEN@example.org,,Nodaway\n"
)
BAD = GOOD + (
    "Cy,,not-an-email,,Nodaway\n"
    ",Nameless,nameless@example.org,,Nodaway\n"
    "Dot,Dup,ann@example.org,,Nodaway\n"
    "Eve,Elsewhere,eve@example.org,,Boone\n"
)


def upload(client, text, name="people.csv"):
    return client.post(
        reverse("dashboard:invite_file"), {"file": SimpleUploadedFile(name, text.encode(), "text/csv")}
    )


def test_a_dry_run_shows_the_rows_and_writes_nothing(carol):
    client = make_client(carol)
    response = upload(client, GOOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 people to invite" in page and "ann@example.org" in page and "ben@example.org" in page
    assert not LeaderProfile.objects.exists() and not StageChange.objects.exists() and not mail.outbox


def test_confirming_adds_each_prospect_and_emails_a_link(carol):
    client = make_client(carol)
    upload(client, GOOD)
    response = client.post(reverse("dashboard:invite_file_confirm"))
    assert response.status_code == 302
    added = LeaderProfile.objects.order_by("first_name")
    assert [(p.first_name, p.email, p.stage, p.recruiter) for p in added] == [
        ("Ann", "ann@example.org", Stage.INVITED, carol), ("Ben", "ben@example.org", Stage.INVITED, carol),
    ]  # fmt: skip
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "ben@example.org"]
    assert Invitation.objects.count() == 2


def test_bad_rows_are_each_named_and_nothing_is_written(carol):
    client = make_client(carol)
    response = upload(client, BAD)
    assert response.status_code == 400
    page = response.content.decode()
    assert "4 rows to fix" in page
    for line, why in (
        (4, "not an email"),
        (5, "first name is needed"),
        (6, "earlier row"),
        (7, "not a county you can"),
    ):
        assert f"Line {line}:" in page and why in page, (line, why)
    assert "Line 2:" not in page and "Line 3:" not in page
    # Nothing to confirm: a bad file never reaches the session.
    assert client.post(reverse("dashboard:invite_file_confirm")).status_code == 302
    assert not LeaderProfile.objects.exists() and not Invitation.objects.exists() and not mail.outbox


def test_a_row_that_went_bad_between_preview_and_confirm_refuses_the_whole_file(carol, sam):
    client = make_client(carol)
    upload(client, GOOD)
    make_user("ben@example.org")  # Ben signed up meanwhile
    response = client.post(reverse("dashboard:invite_file_confirm"))
    assert response.status_code == 409
    assert "account already" in response.content.decode()
    assert not LeaderProfile.objects.filter(user__isnull=True).exists() and not mail.outbox


def test_an_unreadable_file_is_refused_with_a_reason(sam):
    response = upload(make_client(sam), "name,email\nAnn,ann@example.org\n")
    assert response.status_code == 400 and "missing: first_name" in response.content.decode()


@pytest.fixture
def alice_with_turf(alice, carol):
    cycle = make_cycle()
    make_home(alice, MARYVILLE)
    neighbors = [make_voter(make_household(offset(MARYVILLE, 40 * (i + 1), 0)), phone=True) for i in range(3)]
    turf = make_turf(alice, cycle=cycle, calls=neighbors)
    record_stage(alice, Stage.TURF_DELIVERED, reason="turf cut")
    return turf, neighbors


def test_deactivating_a_leader_returns_their_turf_to_the_pool(alice_with_turf, alice, carol):
    turf, neighbors = alice_with_turf
    profile = profile_for(alice)
    response = make_client(carol).post(
        reverse("dashboard:leader_deactivate", args=[profile.pk]), {"reason": "Moved"}
    )
    assert response.status_code == 302
    turf.refresh_from_db()
    profile.refresh_from_db()
    assert turf.status == Turf.Status.QUIT and not turf.entries.exists()
    assert set(PoolVoter.objects.values_list("voter_id", flat=True)) >= {v.pk for v in neighbors}
    assert profile.stage == Stage.INACTIVE
    assert profile.stage_changes.last().reason == "Moved" and profile.stage_changes.last().by == carol
    assert Change.objects.filter(turf=turf, action=Change.Action.QUIT, actor=carol).exists()
    assert alice.is_active  # the account stays


def test_a_coordinator_cannot_deactivate_another_countys_leader(alice_with_turf, alice, dave):
    profile = profile_for(alice)
    response = make_client(dave).post(
        reverse("dashboard:leader_deactivate", args=[profile.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    assert Turf.objects.get(leader=alice).status == Turf.Status.ACTIVE


def test_assigning_a_coordinator_who_covers_the_county(alice_with_turf, alice, carol, dave):
    profile = profile_for(alice)
    client = make_client(carol)
    client.post(reverse("dashboard:leader_coordinator", args=[profile.pk]), {"coordinator": dave.pk})
    profile.refresh_from_db()
    assert profile.coordinator is None  # dave covers Boone, alice lives in Nodaway
    client.post(reverse("dashboard:leader_coordinator", args=[profile.pk]), {"coordinator": carol.pk})
    profile.refresh_from_db()
    assert profile.coordinator == carol


def test_a_leaders_history_shows_stages_turf_contacts_gatherings_and_recruits(alice_with_turf, alice, sam):
    from tests.cast import make_gathering
    from tests.dashboard.world import attempt

    turf, neighbors = alice_with_turf
    attempt(alice, voter=neighbors[0])
    make_gathering(alice)
    recruit = make_leader("rita@example.org", offset(MARYVILLE, 0, 300))
    LeaderProfile.objects.filter(pk=profile_for(recruit).pk).update(recruiter=alice)
    page = make_client(sam).get(reverse("dashboard:leader", args=[profile_for(alice).pk])).content.decode()
    assert "Turf delivered" in page and "3 neighbors listed" in page
    assert "phone · talked: 1" in page and "The Lions Club" in page and "Rita" in page


def test_the_leader_list_export_is_formula_safe_and_audited(alice_with_turf, alice, sam):
    alice.first_name = "=HYPERLINK(1)"
    alice.save()
    client = make_client(sam)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("dashboard:leaders_export"), {"stage": "turf_delivered"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[1][0].startswith("'=HYPERLINK")
    export = Export.objects.get()
    assert (export.user, export.kind, export.rows, export.filters) == (
        sam,
        "leaders",
        1,
        {"stage": "turf_delivered"},
    )


def test_assigning_a_coordinator_is_audited_with_who_and_when(alice_with_turf, alice, carol, sam):
    profile = profile_for(alice)
    make_client(carol).post(
        reverse("dashboard:leader_coordinator", args=[profile.pk]), {"coordinator": carol.pk}
    )
    make_client(sam).post(reverse("dashboard:leader_coordinator", args=[profile.pk]), {"coordinator": ""})
    changes = CoordinatorChange.objects.filter(profile=profile).order_by("at", "pk")
    assert [(c.coordinator, c.by) for c in changes] == [(carol, carol), (None, sam)]
    page = make_client(sam).get(reverse("dashboard:leader", args=[profile.pk])).content.decode()
    assert "data-coordinator-change" in page


def test_a_coordinator_may_not_assign_outside_their_counties(alice_with_turf, alice, dave):
    profile = profile_for(alice)
    response = make_client(dave).post(
        reverse("dashboard:leader_coordinator", args=[profile.pk]), {"coordinator": dave.pk}
    )
    assert response.status_code == 404
    assert (
        not CoordinatorChange.objects.exists()
        and LeaderProfile.objects.get(pk=profile.pk).coordinator is None
    )


def test_the_service_refuses_a_coordinator_who_does_not_cover_the_county(alice_with_turf, alice, dave, sam):
    with pytest.raises(CoordinatorError):
        assign_coordinator(profile=profile_for(alice), coordinator=dave, by=sam)
    assert not CoordinatorChange.objects.exists()


@pytest.fixture
def colleagues(carol):
    """Staff and a second coordinator whose homes are in carol's county, each with a profile."""
    people = []
    for email, role, counties in (
        ("sue@example.org", "staff", []),
        ("cole@example.org", "coordinator", ["Boone"]),
    ):
        person = make_home(make_user(email, role=role, counties=counties), MARYVILLE)
        people.append(LeaderProfile.objects.create(user=person, stage=Stage.SIGNED_UP))
    return people


def test_a_coordinator_cannot_open_staff_or_coordinators_living_in_their_county(colleagues, carol):
    client = make_client(carol)
    for profile in colleagues:
        assert client.get(reverse("dashboard:leader", args=[profile.pk])).status_code == 404
        assert client.get(reverse("leaders:profile", args=[profile.pk])).status_code == 404
        assert client.get(reverse("leaders:person_devices", args=[profile.user_id])).status_code == 404
    listed = client.get(reverse("dashboard:leaders")).content.decode()
    assert "sue@example.org" not in listed and "cole@example.org" not in listed
