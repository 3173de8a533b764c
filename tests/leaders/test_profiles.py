"""The pipeline's pages: a profile's history and the prospects list, scoped like every other page."""

import pytest
from django.core import mail
from django.urls import reverse

from leaders.models import LeaderProfile, StageChange
from leaders.pipeline import add_prospect
from tests.cast import MARYVILLE, make_client, make_cycle, make_leader, make_neighborhood, offset

Stage = LeaderProfile.Stage


@pytest.fixture
def prospects(alice):
    return {
        "nodaway": add_prospect(first_name="Nina", last_name="Park", email="nina@example.org", county="Nodaway",
                                recruiter=alice, origin="gathering"),
        "boone": add_prospect(first_name="Bo", last_name="Boone", email="bo@example.org", county="Boone"),
    }  # fmt: skip


def test_the_prospects_list_follows_the_coordinators_counties(prospects, carol, dave, sam):
    assert "Nina Park" in (page := make_client(carol).get(reverse("leaders:prospects")).text)
    assert "Bo Boone" not in page
    assert "Bo Boone" in make_client(dave).get(reverse("leaders:prospects")).text
    assert {"Nina Park", "Bo Boone"} <= {
        p.name for p in make_client(sam).get(reverse("leaders:prospects")).context["page"]
    }


def test_another_countys_prospect_is_a_404_like_a_missing_one(prospects, carol, alice):
    boone = prospects["boone"]
    assert make_client(carol).get(reverse("leaders:profile", args=[boone.pk])).status_code == 404
    assert make_client(carol).post(reverse("leaders:prospect_invite", args=[boone.pk])).status_code == 404
    assert (
        make_client(alice).get(reverse("leaders:profile", args=[prospects["nodaway"].pk])).status_code == 404
    )
    assert not mail.outbox


def test_the_profile_shows_each_stage_with_its_date_recruiter_and_origin(prospects, carol):
    nina = prospects["nodaway"]
    response = make_client(carol).post(
        reverse("leaders:prospect_invite", args=[nina.pk]), {"next": "profile"}
    )
    assert response.status_code == 302 and mail.outbox[-1].to == ["nina@example.org"]
    page = make_client(carol).get(response.url).text
    assert "Alice" in page and "A gathering" in page and "Invited" in page and "sign-up link emailed" in page
    assert "cannot be approved" not in page  # she has an email: the button sends her a link


def test_quitting_from_the_page_needs_a_reason(prospects, sam):
    nina = prospects["nodaway"]
    url = reverse("leaders:profile_stage", args=[nina.pk])
    make_client(sam).post(url, {"stage": "quit", "reason": ""})
    assert not StageChange.objects.filter(to_stage=Stage.QUIT).exists()
    make_client(sam).post(url, {"stage": "quit", "reason": "Not interested after all"})
    nina.refresh_from_db()
    assert nina.stage == Stage.QUIT and not nina.invitable
    make_client(sam).post(url, {"stage": "back"})
    nina.refresh_from_db()
    assert nina.stage == Stage.PROSPECT


def test_a_coordinator_approves_from_the_turf_page_and_the_stage_reaches_turf_delivered(db, carol, settings):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 5, 10
    make_cycle()
    make_neighborhood(MARYVILLE, households=30)
    nina = make_leader("nina@example.org", offset(MARYVILLE, 20, 20))
    response = make_client(carol).post(reverse("turf:start", args=[nina.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert LeaderProfile.objects.get(user=nina).stage == Stage.TURF_DELIVERED
