"""A first import goes straight into the tables; its outcome must be the staged path's, row for row."""

import pytest
from django.db import connection

from contacts.psr import CURRENT_HEADER, VoterFileLoader
from tests.contacts.voter_files import fixture_copy, report_rows, row, run, write_psr

pytestmark = pytest.mark.django_db

VOTERS = """
    SELECT v.id, h.address_key, v.first_name, v.middle_name, v.last_name, v.suffix, v.birth_year,
           v.declared_party, v.registered_on, v.status, v.county, v.precinct, v.precinct_name, v.split,
           v.township, v.ward, v.congressional_district, v.legislative_district, v.senate_district,
           v.districts, v.elections, v.mailing_address, v.mailing_city, v.mailing_state, v.mailing_zip,
           v.is_registered, v.unregistered_at, v.row_hash
    FROM contacts_voter v LEFT JOIN contacts_household h ON h.id = v.household_id ORDER BY v.id
"""
HOUSEHOLDS = """
    SELECT address_key, house_number, house_suffix, pre_direction, street_name, street_type,
           post_direction, unit_type, unit_number, non_standard_address, city, state, zip_code, county,
           precinct, latitude, longitude, geocode_match, street_side, tiger_line_id
    FROM contacts_household ORDER BY address_key
"""


def _outcome(path, *, direct: bool, monkeypatch) -> dict:
    """Import a file into empty tables one way; return what it wrote, printed and reported."""
    monkeypatch.setattr(VoterFileLoader, "direct_first_import", direct)
    staged_calls = []
    load_staged = VoterFileLoader._load_staged
    monkeypatch.setattr(
        VoterFileLoader, "_load_staged", lambda *a, **kw: staged_calls.append(1) or load_staged(*a, **kw)
    )
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE contacts_voter, contacts_household, contacts_election CASCADE")
        printed = run("import_voters", path)
        tables = {}
        for name, sql in (
            ("voters", VOTERS),
            ("households", HOUSEHOLDS),
            ("elections", "SELECT id, date, name FROM contacts_election ORDER BY id"),
        ):
            cursor.execute(sql)
            tables[name] = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM contacts_voter WHERE updated_at <> now()")
        tables["updated_at not now()"] = cursor.fetchone()[0]
        # Each household's id is its own: the sequence stands past the last one either way.
        cursor.execute(
            "SELECT coalesce(max(id), 0) < nextval(pg_get_serial_sequence('contacts_household', 'id')) "
            "FROM contacts_household"
        )
        tables["sequence past the ids"] = cursor.fetchone()[0]
    return {"printed": printed, "report": report_rows(path), **tables, "staged": bool(staged_calls)}


def _assert_same_both_ways(path, monkeypatch) -> dict:
    direct = _outcome(path, direct=True, monkeypatch=monkeypatch)
    staged = _outcome(path, direct=False, monkeypatch=monkeypatch)
    assert staged.pop("staged")
    for name in staged:
        assert direct[name] == staged[name], name
    return direct


def test_it_imports_the_fixtures_the_same_straight_or_staged(tmp_path, monkeypatch):
    for name in ("psr_sample.txt", "psr_sample_2023.txt"):
        outcome = _assert_same_both_ways(fixture_copy(name, tmp_path), monkeypatch)
        assert len(outcome["voters"]) >= 300 and outcome["households"]
        assert not outcome["staged"]


def test_it_treats_odd_rows_the_same_straight_or_staged(tmp_path, monkeypatch):
    rows = [
        row(voter_id="1", unit_type="APT", unit_number="2"),
        row(voter_id="2", unit_type="#", unit_number="2", residential_zipcode="64468-1234"),  # same door
        row(voter_id="3", house_number="XXXXX", street_name="XXXXX"),  # protected: no household
        row(
            voter_id="4", house_number="", street_name="", street_type="", non_standard_address="RR 2 BOX 114"
        ),
        row(
            voter_id="5", house_number="", street_name="", street_type="", residential_zipcode=""
        ),  # no address
        row(voter_id="6", house_number="12B", birthdate="1812", registration_date="02/30/2020"),
        row(voter_id="7", county="Narnia", birthdate="08/18/1967", house_number="1234567890"),
        row(voter_id="8", voter_history_2="SOMETIME General", voter_history_3="11/05/2024 General"),
        row(voter_id="9", first_name='JO "JOJO"', last_name="O\\BRIEN", street_name="MAIN\\ST"),
        row(
            voter_id="10",
            congressional_district_20='20 "CN" 6',
            legislative_district_20="",
            street_name="main",
        ),
        row(voter_id="11", street_name="ÉCOLE", residential_city="CAÑON", residential_zipcode=""),
        row(voter_id="12", street_name="école", residential_city="CAÑON", residential_zipcode=""),
        row(voter_id="13", residential_zipcode="6446é-12"),
        row(voter_id="14", birthdate=" ", registration_date="", voter_history_1=""),
        row(voter_id=" 15 ", first_name="SPACED"),
        row(voter_id="16")[:40],  # rejected: wrong column count
        row(voter_id="x17"),  # rejected: not a number
        [""],  # a blank line
        row(voter_id="18", mailing_address="PO BOX 1\r2"),
    ]
    outcome = _assert_same_both_ways(write_psr(tmp_path / "odd.txt", rows), monkeypatch)
    assert len(outcome["voters"]) == 16
    assert {r["outcome"] for r in outcome["report"]} == {"rejected", "warning"}
    assert outcome["staged"]  # ÉCOLE and école: one door once PostgreSQL upper-cases them


def test_it_treats_a_voter_id_twice_the_same_straight_or_staged(tmp_path, monkeypatch):
    rows = [row(voter_id="21"), row(voter_id="22", house_number="7"), row(voter_id="21", first_name="OTHER")]
    outcome = _assert_same_both_ways(write_psr(tmp_path / "twice.txt", rows), monkeypatch)
    assert [voter[0] for voter in outcome["voters"]] == [22]
    assert outcome["staged"]  # the direct path found the Voter ID twice and gave way


def test_it_treats_a_file_without_party_or_history_the_same_straight_or_staged(tmp_path, monkeypatch):
    header = [h for h in CURRENT_HEADER if h != "Political Party" and not h.startswith("Voter History")]
    rows = [
        [value for h, value in zip(CURRENT_HEADER, row(voter_id=str(n), house_number=str(n % 3)), strict=True)
         if h in header]
        for n in range(31, 36)
    ]  # fmt: skip
    outcome = _assert_same_both_ways(write_psr(tmp_path / "bare.txt", rows, header=header), monkeypatch)
    assert not outcome["staged"]


def test_it_upper_cases_an_address_beyond_ascii_as_postgresql_does(tmp_path, monkeypatch):
    rows = [
        row(voter_id="41", street_name="école", residential_zipcode=""),
        row(voter_id="42", residential_zipcode="6446é-12"),
    ]
    outcome = _assert_same_both_ways(write_psr(tmp_path / "accents.txt", rows), monkeypatch)
    assert not outcome["staged"]
    assert [household[0] for household in outcome["households"]] == [
        "100||MAIN|ST||||6446É",
        "100||ÉCOLE|ST||||MARYVILLE",
    ]
