"""make_demo_data's synthetic voter file: real PSR format, imported through the real commands."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from contacts.demo import SyntheticVoterFile, write_voter_file
from contacts.models import Household, Phone, Score, Voter
from contacts.voterfile.layout import ELECTION_AUTHORITIES
from tests.contacts.voter_files import run

pytestmark = pytest.mark.django_db


def test_it_makes_an_urban_a_mid_size_and_a_rural_county_with_geocodes_phones_and_scores():
    out = StringIO()
    call_command("make_demo_data", "--force", "--voters", "900", stdout=out, stderr=StringIO())

    assert Voter.objects.count() == 900
    counties = dict(Voter.objects.values_list("county").annotate(n=Count("pk")))
    assert set(counties) == {"St. Louis City", "Boone", "Nodaway"} and counties["Nodaway"] >= 100
    assert Household.objects.filter(latitude__isnull=False).count() > 0.8 * Household.objects.count()
    assert Phone.objects.count() > 400 and Score.objects.count() > 600
    # Rural doors without a street address, as in the real file, and the geocoder cannot place them.
    rural_routes = Household.objects.filter(county="Nodaway").exclude(non_standard_address="")
    assert rural_routes.exists() and not rural_routes.filter(latitude__isnull=False).exists()
    assert "Demo voter file imported." in out.getvalue()


def test_it_leaves_an_existing_voter_file_alone_when_asked_to_fill_only_an_empty_database():
    call_command("make_demo_data", "--force", "--voters", "300", stdout=StringIO(), stderr=StringIO())
    out = StringIO()

    call_command("make_demo_data", "--force", "--if-empty", "--voters", "500", stdout=out, stderr=StringIO())

    assert Voter.objects.count() == 300
    assert "already has voters" in out.getvalue()


def test_it_changes_adds_and_drops_a_few_percent_in_a_newer_edition(tmp_path, settings):
    first = write_voter_file(tmp_path / "first.txt", SyntheticVoterFile(voters=5000)).psr
    newer = write_voter_file(tmp_path / "newer.txt", SyntheticVoterFile(voters=5000, edition=1)).psr
    run("import_voters", first)
    # About 2 % missing on average: in a small county that is sometimes 3 %, still a full edition.
    settings.VOTER_FILE_UNREGISTER_WARN_PERCENT = 10

    output = run("import_voters", newer, "--unregister-missing")

    counts = dict(line.strip().rsplit(": ", 1) for line in output.splitlines()[1:9])
    number = {key: int(value.replace(",", "")) for key, value in counts.items()}
    assert 50 <= number["inserted"] <= 150  # about 2 % new
    assert 50 <= number["no longer registered"] <= 150  # about 2 % missing
    assert 100 <= number["updated"] <= 200  # about 3 % changed
    assert 30 <= number["moved to another household"] < number["updated"]


def test_it_covers_all_116_election_authorities_statewide_without_a_warning(tmp_path):
    path = write_voter_file(
        tmp_path / "state.txt", SyntheticVoterFile(voters=2000, counties=ELECTION_AUTHORITIES)
    ).psr

    output = run("import_voters", path)

    assert Voter.objects.values("county").distinct().count() == 116
    assert "warnings: 0" in output and "rejected: 0" in output
