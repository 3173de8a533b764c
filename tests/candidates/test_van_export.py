"""The VAN export: a fresh password first, the mapped results for the chosen dates, every cell safe
to open in a spreadsheet, and an audit row with the SHA-256 of the exact bytes sent."""

import csv
import hashlib
import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.van import HEADER, VAN_RESULTS
from contacts.models import ContactAttempt, Export, PartyID, Voter
from tests.cast import (
    make_client,
    make_household,
    make_reauthenticated_client,
    make_user,
    make_voter,
)

PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WINDOW = {"start": "2028-06-01", "end": "2028-06-30"}


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2028, 6, day, hour, tzinfo=timezone.get_current_timezone())


def attempt(leader, *, voter=None, household=None, channel="door", result="talked", when=None, party=None):
    made = ContactAttempt.objects.create(
        leader=leader, voter=voter, household=household, channel=channel, result=result,
        device_time=when or at(10),
    )  # fmt: skip
    if party is not None:
        PartyID.objects.create(voter=voter, value=party, channel=channel, leader=leader, attempt=made,
                               recorded_at=made.device_time)  # fmt: skip
    return made


def download(client, **window) -> tuple[bytes, list[list[str]]]:
    response = client.get(reverse("candidates:van_download"), window or WINDOW)
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode(), newline="")))


def test_it_asks_for_the_password_again_before_sending_anything(sam, alice):
    attempt(alice, voter=make_voter(make_household(None)))
    response = make_client(sam).get(reverse("candidates:van_download"), WINDOW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not Export.objects.exists()
    body, rows = download(make_reauthenticated_client(sam))
    assert rows[0] == HEADER and len(rows) == 2


def test_each_result_maps_to_vans_and_the_id_travels_as_a_survey_response(sam, alice):
    voter = make_voter(make_household(None))
    attempt(alice, voter=voter, result="talked", party=PartyID.Value.LEAN_DEM, when=at(3, 9))
    attempt(alice, voter=voter, channel="phone", result="no_answer", when=at(4, 23))
    attempt(alice, voter=voter, result="refused", when=at(2, 12).replace(month=5))  # before the window
    _, rows = download(make_reauthenticated_client(sam))
    assert rows[1:] == [
        ["", str(voter.pk), "Walk", "Canvassed", "Party ID", "2 Lean Dem", "06/03/2028", "Alice"],
        ["", str(voter.pk), "Phone", "Not Home", "", "", "06/04/2028", "Alice"],
    ]
    assert set(VAN_RESULTS) == set(ContactAttempt.Result)


def test_a_knock_for_a_whole_door_gives_a_row_per_voter_there(sam, alice):
    door = make_household(None)
    first, second = make_voter(door, first="Ann"), make_voter(door, first="Al")
    attempt(alice, household=door, result="not_home")
    _, rows = download(make_reauthenticated_client(sam))
    assert sorted(row[1] for row in rows[1:]) == sorted([str(first.pk), str(second.pk)])
    assert {row[3] for row in rows[1:]} == {"Not Home"}


def test_the_van_id_goes_with_each_row_when_it_is_known(sam, alice):
    door = make_household(None)
    known, unknown = make_voter(door, first="Kim"), make_voter(door, first="Lee")
    Voter.objects.filter(pk=known.pk).update(van_id=424242)
    attempt(alice, voter=known, result="talked")
    attempt(alice, household=door, result="not_home", when=at(11))
    _, rows = download(make_reauthenticated_client(sam))
    assert rows[0][:2] == ["VANID", "StateFileID"]
    assert sorted(row[:2] for row in rows[1:]) == sorted(
        [["424242", str(known.pk)], ["424242", str(known.pk)], ["", str(unknown.pk)]]
    )


def test_formula_payloads_come_back_as_plain_text(sam):
    for index, payload in enumerate(PAYLOADS):
        leader = make_user(f"payload{index}@example.org", first_name=payload)
        attempt(leader, voter=make_voter(make_household(None)))
    _, rows = download(make_reauthenticated_client(sam))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]
    assert sorted(row[7] for row in rows[1:]) == sorted("'" + payload for payload in PAYLOADS)


def test_every_export_is_audited_with_the_hash_of_the_bytes_sent(sam, alice):
    for day in (5, 6, 7):
        attempt(alice, voter=make_voter(make_household(None)), when=at(day))
    client = make_reauthenticated_client(sam)
    body, _ = download(client, start="2028-06-06", end="2028-06-30")
    export = Export.objects.get()
    assert export.user == sam and export.kind == "van" and export.is_complete
    assert export.rows == 2 and export.filters == {"start": "2028-06-06", "end": "2028-06-30"}
    assert export.sha256 == hashlib.sha256(body).hexdigest()
    assert export.ip == "127.0.0.1"
    audit = client.get(reverse("candidates:exports_csv"))
    lines = list(csv.DictReader(io.StringIO(b"".join(audit.streaming_content).decode(), newline="")))
    assert [(line["sha256"], line["rows"]) for line in lines] == [(export.sha256, "2")]
    assert export.sha256[:10] in client.get(reverse("candidates:exports")).text


def test_a_download_cut_off_midway_still_leaves_its_audit_row(sam, alice):
    attempt(alice, voter=make_voter(make_household(None)))
    response = make_reauthenticated_client(sam).get(reverse("candidates:van_download"), WINDOW)
    next(iter(response.streaming_content))  # the browser goes away after the first chunk
    export = Export.objects.get()
    assert not export.is_complete and export.sha256 == ""


@pytest.mark.parametrize(
    "window, problem",
    [({"start": "2028-06-30", "end": "2028-06-01"}, "The end comes on or after the start."),
     ({"start": "2026-01-01", "end": "2028-06-01"}, "At most 400 days at once."),
     ({"start": "June"}, "Enter a valid date.")],
)  # fmt: skip
def test_bad_dates_are_refused_and_nothing_is_exported(sam, window, problem):
    response = make_reauthenticated_client(sam).get(reverse("candidates:van_download"), window)
    assert response.status_code == 400 and problem in response.text
    assert not Export.objects.exists()


def test_the_window_is_whole_days_in_the_partys_time_zone(sam, alice):
    voter = make_voter(make_household(None))
    attempt(alice, voter=voter, when=at(30, 23))  # 04:00 UTC on July 1st, still June 30 in Missouri
    _, rows = download(make_reauthenticated_client(sam), start="2028-06-30", end="2028-06-30")
    assert [row[6] for row in rows[1:]] == ["06/30/2028"]
    assert date(2028, 6, 30) == at(30, 23).date()
