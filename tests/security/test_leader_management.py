"""Attacks on managing leaders: a coordinator acting on accounts that are not leaders."""

import pytest
from django.urls import reverse

from leaders.models import LeaderProfile
from leaders.pipeline import profile_for
from tests.cast import MARYVILLE, make_client, make_home

pytestmark = pytest.mark.django_db


def test_a_coordinator_cannot_deactivate_staff_who_live_in_their_county(carol, sam):
    """A yes at any host's door links the voter's account, staff's too, to a profile (events/checkin.py):
    that profile's home is in carol's county, and carol's deactivate marked state staff inactive."""
    make_home(sam, MARYVILLE, county="Nodaway")
    profile = profile_for(sam)  # what the door does for a matched walk-in with an account
    response = make_client(carol).post(
        reverse("dashboard:leader_deactivate", args=[profile.pk]), {"reason": "x"}
    )
    assert response.status_code in (403, 404)
    profile.refresh_from_db()
    assert profile.stage != LeaderProfile.Stage.INACTIVE


def test_a_coordinator_cannot_move_staff_in_the_pipeline_either(carol, sam):
    make_home(sam, MARYVILLE, county="Nodaway")
    profile = profile_for(sam)
    response = make_client(carol).post(
        reverse("leaders:profile_stage", args=[profile.pk]), {"stage": "quit", "reason": "gone"}
    )
    assert response.status_code in (403, 404)
    profile.refresh_from_db()
    assert profile.stage == LeaderProfile.Stage.SIGNED_UP
