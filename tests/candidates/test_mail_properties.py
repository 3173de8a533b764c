"""Over random races, primaries, incumbency and voter districts: 0 out-of-district rows, 0 exports by
ineligible candidacies, an audit row for every export. And a re-import that moves a voter out of the
district takes them off the next export, after a rollup."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidates import services
from candidates.district import DISTRICT_COLUMNS
from candidates.eligibility import eligibility
from candidates.models import Candidacy, Change, Race
from contacts.models import Export
from contacts.rollup import rollup_ids
from contacts.shared import SharedVoter
from tests.candidates.races import make_candidacy
from tests.candidates.shared_voters import shared_voter
from tests.cast import make_reauthenticated_client
from tests.contacts.test_rollup import time_passes
from tests.contacts.voter_files import row, run, write_psr

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "shared", "shared_reader"])

CODES = {
    Race.DistrictType.CONGRESSIONAL: ("20 CN 6", "20 CN 1"),
    Race.DistrictType.LEGISLATIVE: ("20 LE 001", "20 LE 002"),
    Race.DistrictType.SENATE: ("20 SE 12", "20 SE 3"),
    Race.DistrictType.COUNTY: ("Nodaway", "Boone"),
}


@pytest.fixture(autouse=True)
def _close_the_reader():
    yield
    connections["shared_reader"].close()


@pytest.fixture
def client(sam, cathy):
    """Cathy, approved, with her password confirmed once (allauth limits how often it is asked)."""
    services.account_approve(actor=sam, candidate=cathy)
    return make_reauthenticated_client(cathy)


def _forget_races():
    Export.objects.all().delete()
    SharedVoter.objects.all().delete()
    Change.objects.all().delete()
    Candidacy.objects.all().delete()
    Race.objects.all().delete()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    district_type=st.sampled_from(list(CODES)),
    voters=st.lists(st.tuples(st.booleans(), st.integers(1, 5)), min_size=1, max_size=6),
    incumbent=st.booleans(),
    contested=st.booleans(),
    primary_over=st.booleans(),
    won=st.booleans(),
    general_over=st.booleans(),
)
def test_exports_hold_only_the_district_and_only_for_eligible_candidacies(
    sam, cathy, client, district_type, voters, incumbent, contested, primary_over, won, general_over
):  # fmt: skip
    today = timezone.localdate()
    primary = today - timedelta(days=100 if general_over else (10 if primary_over else -10))
    race = services.race_create(
        actor=sam, office=Race.Office.STATE_HOUSE, title="", district_type=district_type,
        district_code=CODES[district_type][0], election_year=today.year, primary_date=primary,
        general_date=today - timedelta(days=10) if general_over else primary + timedelta(days=90),
    )  # fmt: skip
    status = (
        Candidacy.Status.WON_PRIMARY if (won and (primary_over or general_over)) else Candidacy.Status.FILED
    )
    candidacy = make_candidacy(sam, race, candidate=cathy, is_incumbent=incumbent, status=status)
    if contested:
        make_candidacy(sam, race, name="Another Democrat")
    column = DISTRICT_COLUMNS[district_type]
    for index, (inside, tier) in enumerate(voters):
        code = CODES[district_type][0 if inside else 1]
        fields = {column: code, "districts": [code]} if column.endswith("district") else {column: code}
        shared_voter(
            f"V{index}", "Inside" if inside else "Outside", house=f"{index} Main St", tier=tier, **fields
        )
    try:
        decision = eligibility(candidacy)
        response = client.get(
            reverse("candidates:mail_download", args=[candidacy.pk]),
            {"purpose": "custom", "tiers": ["1", "2", "3", "4", "5"]},
        )
        if not decision:
            assert response.status_code == 403
            assert decision.reason in response.content.decode()
            assert not Export.objects.exists()
            return
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.reader(io.StringIO(body, newline="")))[1:]
        assert sorted(r[0] for r in rows) == sorted(
            f"V{index} Inside" for index, (inside, _tier) in enumerate(voters) if inside
        )
        export = Export.objects.get()
        assert export.rows == len(rows) and export.sha256 and export.filters["candidacy"] == candidacy.pk
    finally:
        _forget_races()


def test_a_reimport_that_moves_a_voter_out_of_the_district_takes_them_off_the_next_export(
    tmp_path, sam, cathy
):
    services.account_approve(actor=sam, candidate=cathy)
    race = services.race_create(
        actor=sam, office=Race.Office.STATE_HOUSE, title="", district_type=Race.DistrictType.LEGISLATIVE,
        district_code="20 LE 001", election_year=2028, primary_date=timezone.localdate() + timedelta(days=30),
        general_date=timezone.localdate() + timedelta(days=120),
    )  # fmt: skip
    candidacy = make_candidacy(sam, race, candidate=cathy)
    run(
        "import_voters",
        write_psr(tmp_path / "a.txt", [row(voter_id="11"), row(voter_id="12", first_name="BO")]),
    )
    rollup_ids()
    query = {"purpose": "custom", "tiers": ["1", "2", "3", "4", "5"]}
    url = reverse("candidates:mail_download", args=[candidacy.pk])
    SharedVoter.objects.update(tier=3)  # the fixture's voters carry no party; any tier will do here

    def households():
        body = b"".join(make_reauthenticated_client(cathy).get(url, query).streaming_content).decode()
        return [line[-1] for line in csv.reader(io.StringIO(body, newline=""))][1:]

    assert households() == ["2"]
    time_passes()
    moved = [
        row(voter_id="11", **{"LEGISLATIVE_DISTRICT_20": "20 LE 002"}),
        row(voter_id="12", first_name="BO"),
    ]
    run("import_voters", write_psr(tmp_path / "b.txt", moved))
    rollup_ids()
    SharedVoter.objects.update(tier=3)
    assert households() == ["1"]
    assert Export.objects.count() == 2
