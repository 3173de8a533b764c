"""Attacks through the CSV invite import: formula payloads and oversized cells in a coordinator's upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leaders.models import LeaderProfile
from tests.cast import make_client

pytestmark = pytest.mark.django_db

HEADER = "first_name,last_name,email,phone,county\n"


def _upload(client, text):
    return client.post(
        reverse("dashboard:invite_file"),
        {"file": SimpleUploadedFile("people.csv", text.encode(), "text/csv")},
    )


@pytest.mark.parametrize("phone", ["@SUM(1+1)", "=1+2", "-2+3+cmd|' /C calc'!A0"])
def test_a_phone_cell_with_a_formula_is_a_bad_row(carol, phone):
    """Every other way in keeps a phone's ten digits; the import stored any text, formulas included."""
    client = make_client(carol)
    response = _upload(client, HEADER + f'Ann,Able,ann@example.org,"{phone}",Nodaway\n')
    assert response.status_code == 400
    assert "Line 2:" in response.text and "Ten digits" in response.text
    client.post(reverse("dashboard:invite_file_confirm"))
    assert not LeaderProfile.objects.exists()


def test_a_phone_cell_without_digits_is_no_phone(carol):
    client = make_client(carol)
    _upload(client, HEADER + 'Ann,Able,ann@example.org,"=HYPERLINK(""https://evil.example"")",Nodaway\n')
    client.post(reverse("dashboard:invite_file_confirm"))
    assert LeaderProfile.objects.get().phone == ""


def test_a_phone_is_kept_as_its_ten_digits(carol):
    client = make_client(carol)
    assert _upload(client, HEADER + "Ann,Able,ann@example.org,(660) 555-0101,Nodaway\n").status_code == 200
    client.post(reverse("dashboard:invite_file_confirm"))
    assert LeaderProfile.objects.get().phone == "6605550101"


def test_a_name_longer_than_its_column_is_a_bad_row_not_a_crash(carol):
    client = make_client(carol)
    response = _upload(client, HEADER + f"{'A' * 151},Able,ann@example.org,,Nodaway\n")
    assert response.status_code == 400 and "Line 2:" in response.text
    client.post(reverse("dashboard:invite_file_confirm"))
    assert not LeaderProfile.objects.exists()
