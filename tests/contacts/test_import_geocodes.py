"""import_geocodes and export_geocode_input: the round trip through the Census batch geocoder."""

import csv

import pytest
from django.core.management import CommandError

from contacts.geocodes import export_geocode_input
from contacts.models import Household, Voter
from tests.contacts.voter_files import fixture_copy, report_rows, row, run, write_psr

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample(tmp_path):
    run("import_voters", fixture_copy("psr_sample.txt", tmp_path))
    return fixture_copy("psr_sample_geocodes.csv", tmp_path)


def test_it_stores_the_geocoders_answers_on_households(sample):
    output = run("import_geocodes", sample)

    assert "rows read: 1,020" in output and "updated: 1,020" in output and "rejected: 0" in output
    household = Voter.objects.get(pk=103394740).household
    assert (household.longitude, household.latitude) == (-92.241343, 39.017001)
    assert (household.geocode_match, household.street_side, household.tiger_line_id) == (
        "Exact",
        "R",
        "626648830",
    )
    unmatched = Voter.objects.get(pk=593175666).household
    assert unmatched.latitude is None and unmatched.geocode_match == "No_Match"
    assert Voter.objects.get(pk=606625726).household.geocode_match == "Tie"
    assert Household.objects.filter(latitude__isnull=False).count() == 951  # the file's Match lines


def test_it_changes_nothing_when_the_same_answers_come_again(sample):
    run("import_geocodes", sample)

    output = run("import_geocodes", sample)

    assert "updated: 0" in output and "unchanged: 1,020" in output


def test_it_never_forgets_a_match_when_a_later_run_finds_none(sample, tmp_path):
    run("import_geocodes", sample)
    household = Voter.objects.get(pk=103394740).household
    later = tmp_path / "later.csv"
    later.write_text('"103394740","6546 WESTWOOD AVE, COLUMBIA, MO, 65299","No_Match"\n')

    run("import_geocodes", later)

    household.refresh_from_db()
    assert household.latitude == 39.017001 and household.geocode_match == "Exact"


def test_it_accepts_our_own_household_ids_and_rejects_what_it_cannot_place(sample, tmp_path):
    household = Voter.objects.get(pk=103394740).household
    answers = tmp_path / "answers.csv"
    answers.write_text(
        f'"H{household.pk}","x","Match","Exact","x","-92.5,38.5","1","L"\n'
        '"99999999","x","Match","Exact","x","-92.5,38.5","1","L"\n'
        '"H99999999","x","Match","Exact","x","-92.5,38.5","1","L"\n'
        f'"H{household.pk}","x","Match","Exact","x","-118.2,34.0","1","L"\n'
        '"ABC","x","Match","Exact","x","-92.5,38.5","1","L"\n'
        f'"H{household.pk}","x","Match","Exact","x","north,south","1","L"\n'
    )

    output = run("import_geocodes", answers)

    assert "updated: 1" in output and "rejected: 5" in output
    household.refresh_from_db()
    assert (household.latitude, household.street_side) == (38.5, "L")
    problems = [r["problem"] for r in report_rows(answers)]
    assert problems == [
        "No voter has this Voter ID.",
        "No household has this id.",
        "Coordinates '-118.2,34.0' are not in Missouri.",
        "Unique ID 'ABC' is neither a Voter ID nor a household id (H123).",
        "Coordinates 'north,south' are not 'longitude,latitude'.",
    ]


def test_it_refuses_a_file_that_is_not_geocoder_output(tmp_path):
    path = tmp_path / "addresses.csv"
    path.write_text("id,street,city\n1,100 MAIN,MARYVILLE\n")

    with pytest.raises(CommandError, match="not Census geocoder output"):
        run("import_geocodes", path)


def test_it_exports_households_without_a_geocode_in_files_of_at_most_a_batch(tmp_path):
    rows = [row(voter_id=str(n), house_number=str(n)) for n in range(1, 8)]
    rows.append(row(voter_id="99", house_number="", street_name="", non_standard_address="RR 2 BOX 114"))
    rows.append(row(voter_id="100", house_number="=1+1"))
    run("import_voters", write_psr(tmp_path / "psr.txt", rows))
    located = Voter.objects.get(pk=1).household
    located.latitude, located.longitude = 40.3, -94.8
    located.save()

    files, count = export_geocode_input(tmp_path / "out", batch_size=3)

    assert count == 6 and [f.name for f in files] == ["geocode_input_0001.csv", "geocode_input_0002.csv"]
    lines = [line for f in files for line in csv.reader(f.open())]
    assert lines[0] == [f"H{Voter.objects.get(pk=2).household_id}", "2 MAIN ST", "MARYVILLE", "MO", "64468"]
    assert len(lines) == 6  # the rural route (no street) and the geocoded door are left out


def test_it_exports_with_formulas_neutralized_and_skips_tried_households(tmp_path):
    run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id="1", residential_city="@SUM(A1)")]))

    output = run("export_geocode_input", tmp_path / "out")

    assert "Wrote 1 addresses" in output
    (line,) = csv.reader((tmp_path / "out" / "geocode_input_0001.csv").open())
    assert line[1:] == ["100 MAIN ST", "'@SUM(A1)", "MO", "64468"]
    Household.objects.update(geocode_match="No_Match")
    assert "already has a geocode" in run("export_geocode_input", tmp_path / "again")
    assert "Wrote 1" in run("export_geocode_input", tmp_path / "retry", "--retry")
