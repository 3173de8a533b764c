"""Attacks through the door: a leader's walk-in and yes touching accounts that are not leaders."""

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Phone
from events.models import Gathering
from leaders.models import LeaderProfile
from tests.cast import make_client, make_gathering, make_household, make_voter

pytestmark = pytest.mark.django_db


def test_a_yes_at_a_leaders_door_gives_staff_no_profile_a_coordinator_could_act_on(alice, sam, carol):
    """Any host who types staff's name and phone as a walk-in and records a yes made staff a pipeline
    profile in that county: carol then saw state staff on her leader list, export and pipeline pages."""
    voter = make_voter(make_household(None, street="Juniper", number=412), first="SAM", last="STAFF")
    Phone.objects.create(voter=voter, number="6605550199")
    sam.voter = voter
    sam.save(update_fields=["voter"])
    gathering = make_gathering(alice, days=0)
    Gathering.objects.filter(pk=gathering.pk).update(starts_at=timezone.now() - timedelta(minutes=10))
    arrived = {"uuid": str(uuid.uuid4()), "kind": "walk_in", "gathering": gathering.pk, "name": "Sam Staff",
               "phone": "6605550199"}  # fmt: skip
    answer = {"uuid": str(uuid.uuid4()), "kind": "ask", "attendee": arrived["uuid"], "answer": "yes"}
    response = make_client(alice).post(
        reverse("field:door_sync"),
        json.dumps({"attempts": [arrived, answer]}),
        content_type="application/json",
    )
    assert [item["status"] for item in response.json()["results"]] == ["created", "created"]
    assert not LeaderProfile.objects.filter(user=sam).exists()
    assert not LeaderProfile.objects.visible_to(carol).filter(user=sam).exists()
