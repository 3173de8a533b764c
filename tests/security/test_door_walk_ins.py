"""The door's walk-in matching must not be a way into the voter file for someone nobody approved."""

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Phone
from events.models import Attendee, Gathering
from tests.cast import make_client, make_gathering, make_household, make_voter

pytestmark = pytest.mark.django_db


def test_an_unapproved_host_learns_nothing_from_the_voter_file_at_the_door(alice):
    """alice signed up and was never approved: she sees no voter's name, address or phone (DESIGN §8).

    A gathering of her own and its walk-in form answered "In the voter file", with the file's own
    spelling of the name, for a name and a phone number, and a second walk-in of the same person
    came back "duplicate" where a stranger's came back "created": a found / not found oracle of
    the whole state, phones included, with no limit, where find-me allows ten a day.
    """
    assert not alice.home_is_verified
    jo = make_voter(make_household(None, street="Juniper", number=412), first="JOSEPHINE", last="MARCH")
    Phone.objects.create(voter=jo, number="6605550123")
    gathering = make_gathering(alice, days=0)
    Gathering.objects.filter(pk=gathering.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    client = make_client(alice)

    def walk_in(name, phone):
        item = {
            "uuid": str(uuid.uuid4()),
            "kind": "walk_in",
            "gathering": gathering.pk,
            "name": name,
            "phone": phone,
        }
        body = json.dumps({"attempts": [item]})
        response = client.post(reverse("field:door_sync"), body, content_type="application/json")
        return response.json()["results"][0]["status"]

    answers = [walk_in("Josephine March", "6605550123") for _ in range(2)]
    strangers = [walk_in("Josephine Marsh", "6605550999") for _ in range(2)]
    assert answers == strangers == ["created", "created"]
    assert not Attendee.objects.filter(voter__isnull=False).exists()
    page = client.get(reverse("field:door", args=[gathering.pk])).text
    assert "In the voter file" not in page
