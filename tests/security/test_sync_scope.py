"""Ids in a phone's batch: a call may invite a neighbor only into a gathering its caller hosts."""

import json

import pytest
from django.urls import reverse

from events.models import Invitation
from tests.cast import a_call, make_client, make_gathering

pytestmark = pytest.mark.django_db

SYNC = reverse("field:sync")


def sync(user, items):
    body = json.dumps({"attempts": items})
    response = make_client(user).post(SYNC, body, content_type="application/json")
    return [(item["status"], item["error"]) for item in response.json()["results"]]


def test_a_coordinator_or_staff_cannot_invite_into_a_leaders_gathering_they_only_see(
    alice, carol, sam, lists
):
    """The host's page answers 403 to everyone but the host (events.views._hosted_by); the sync API took them."""
    gathering = make_gathering(alice)
    for organizer in (carol, sam):
        voter = lists.calls[0]
        outcome = sync(organizer, [a_call(voter, invite={"gathering": gathering.pk, "rsvp": "yes"})])
        assert outcome == [("rejected", f"Gathering {gathering.pk} is not one of yours.")], organizer
    assert not Invitation.objects.exists()
    # The host still invites from her own call.
    assert (
        sync(alice, [a_call(lists.calls[0], invite={"gathering": gathering.pk, "rsvp": "yes"})])[0][0]
        == "created"
    )
    assert Invitation.objects.get().invited_by == alice
