"""The candidate's mail export: district only, householded, suppressions out, formula-safe, eligible
at the moment of export, after a fresh password, capped per day, and audited."""

import csv
import hashlib
import io

import pytest
from django.db import connections
from django.test import override_settings
from django.urls import reverse

from candidates import services
from candidates.mail import HEADER
from candidates.models import Candidacy
from contacts.models import Export
from contacts.rollup import rollup_ids
from tests.candidates.races import make_candidacy, make_race
from tests.candidates.shared_voters import shared_voter
from tests.cast import make_client, make_reauthenticated_client
from tests.contacts.voter_files import fixture_copy, fixture_rows, run

# The reader is its own connection: it sees only committed rows, so these tests commit.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "shared", "shared_reader"])

PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _close_the_reader():
    yield
    connections["shared_reader"].close()


@pytest.fixture
def candidacy(sam, cathy):
    services.account_approve(actor=sam, candidate=cathy)
    return make_candidacy(sam, make_race(sam, code="20 LE 001"), candidate=cathy)


def download(client, candidacy, **query) -> tuple[bytes, list[list[str]]]:
    response = client.get(
        reverse("candidates:mail_download", args=[candidacy.pk]), query or {"purpose": "gotv"}
    )
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode(), newline="")))


def test_one_row_per_household_from_the_district_only_sorted_by_zip(candidacy, cathy):
    shared_voter("John", "Smith", house="1 Main St", tier=1, residence_zip="64468")
    shared_voter("Mary", "Smith", house="1 Main St", tier=2, residence_zip="64468")
    shared_voter(
        "Ann",
        "Jones",
        house="9 Elm St",
        tier=2,
        residence_zip="64401",
        mailing_address="PO Box 7",
        mailing_city="Savannah",
        mailing_state="MO",
        mailing_zip="64485-1234",
    )
    shared_voter("Out", "Side", house="5 Oak St", tier=1, legislative_district="20 LE 002")
    shared_voter(
        "Old", "Map", house="6 Oak St", tier=1, legislative_district="20 LE 002", districts=["20 LE 001"]
    )
    shared_voter("No", "Mail", house="7 Oak St", tier=1, mail_suppressions=["moved"])
    shared_voter("Red", "Voter", house="8 Oak St", tier=5)
    body, rows = download(make_reauthenticated_client(cathy), candidacy)
    assert rows == [
        HEADER,
        ["John & Mary Smith", "1 Main St", "", "Maryville", "MO", "64468", "", "2"],
        ["Ann Jones", "PO Box 7", "", "Savannah", "MO", "64485", "1234", "1"],
    ]
    export = Export.objects.get()
    assert (export.kind, export.purpose, export.rows) == ("mail", "gotv", 2)
    assert export.filters == {
        "candidacy": candidacy.pk,
        "race": candidacy.race_id,
        "purpose": "gotv",
        "tiers": [],
    }
    assert export.sha256 == hashlib.sha256(body).hexdigest()


def test_persuasion_mails_ids_2_and_3_and_the_models_middle_band_never_1_or_5(candidacy, cathy):
    for tier, source in [(1, "conversation"), (2, "conversation"), (3, "voter_file"), (4, "conversation"),
                         (5, "voter_file"), (3, "model_score"), (2, "model_score"), (None, "")]:  # fmt: skip
        shared_voter(f"T{tier}", source or "None", house=f"{tier} {source}", tier=tier, tier_source=source)
    _body, rows = download(make_reauthenticated_client(cathy), candidacy, purpose="persuasion")
    assert sorted(row[0] for row in rows[1:]) == ["T2 conversation", "T3 model_score", "T3 voter_file"]
    _body, rows = download(make_reauthenticated_client(cathy), candidacy, purpose="custom", tiers=["4", "5"])
    assert sorted(row[0] for row in rows[1:]) == ["T4 conversation", "T5 voter_file"]


def test_no_cell_starts_with_a_formula_trigger(candidacy, cathy):
    for payload in PAYLOADS:
        shared_voter(payload, payload, house=payload, tier=1, residence_city=payload, residence_zip=payload)
        shared_voter("A", "B", house=f"x{payload}", tier=1,
                     mailing_address=payload, mailing_city=payload, mailing_state=payload, mailing_zip=payload)  # fmt: skip
    _body, rows = download(make_reauthenticated_client(cathy), candidacy)
    assert len(rows) == 1 + 2 * len(PAYLOADS)
    for row in rows:
        for cell in row:
            assert not cell.startswith(TRIGGERS), row


def test_it_asks_for_the_password_again_before_sending_anything(candidacy, cathy):
    shared_voter(tier=1)
    response = make_client(cathy).get(
        reverse("candidates:mail_download", args=[candidacy.pk]), {"purpose": "gotv"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not Export.objects.exists()


def test_an_ineligible_candidacy_is_told_why_and_nothing_is_written(sam, candidacy, cathy):
    shared_voter(tier=1)
    make_candidacy(sam, candidacy.race, name="Other Democrat")
    response = make_reauthenticated_client(cathy).get(
        reverse("candidates:mail_download", args=[candidacy.pk]), {"purpose": "gotv"}
    )
    assert response.status_code == 403
    assert "contested by another Democrat" in response.content.decode()
    assert not Export.objects.exists()


@override_settings(MAIL_EXPORTS_PER_DAY=2)
def test_a_candidacy_exports_at_most_the_daily_cap(candidacy, cathy):
    shared_voter(tier=1)
    client = make_reauthenticated_client(cathy)
    download(client, candidacy)
    download(client, candidacy)
    response = client.get(reverse("candidates:mail_download", args=[candidacy.pk]), {"purpose": "gotv"})
    assert response.status_code == 429
    assert "2 mail exports for today" in response.content.decode()
    assert Export.objects.count() == 2


def test_another_candidates_candidacy_is_not_found(sam, candidacy):
    from tests.cast import make_user

    other = make_user("other@example.com", role="candidate")
    for name in ("district", "mail_list", "mail_count", "mail_download"):
        response = make_client(other).get(
            reverse(f"candidates:{name}", args=[candidacy.pk]), {"purpose": "gotv"}
        )
        assert response.status_code == 404, name


def test_the_district_page_counts_only_the_district_by_tier_and_precinct(candidacy, cathy):
    shared_voter(tier=1, precinct="01")
    shared_voter(tier=2, precinct="02", precinct_name="Jackson")
    shared_voter(tier=2, precinct="02", precinct_name="Jackson", legislative_district="20 LE 002")
    page = make_client(cathy).get(reverse("candidates:district", args=[candidacy.pk])).content.decode()
    assert "Nodaway 02 Jackson</th><td>1</td>" in page
    assert "Nodaway 01 Polk</th><td>1</td>" in page


def test_the_live_count_is_a_fragment_of_households(candidacy, cathy):
    shared_voter("John", tier=1)
    shared_voter("Mary", tier=2)
    shared_voter("Ann", house="2 Main St", tier=2, mail_suppressions=["deceased"])
    response = make_client(cathy).get(
        reverse("candidates:mail_count", args=[candidacy.pk]), {"purpose": "gotv"}
    )
    assert response.status_code == 200
    assert "<strong>1</strong> household (2 voters)" in response.content.decode()
    response = make_client(cathy).get(
        reverse("candidates:mail_count", args=[candidacy.pk]), {"purpose": "custom"}
    )
    assert response.status_code == 400
    assert Candidacy.objects.count() == 1


def test_the_district_counts_are_counted_again_when_the_rollup_moves_on(candidacy, cathy):
    from django.utils import timezone

    from contacts.shared import RollupState

    url = reverse("candidates:district", args=[candidacy.pk])
    shared_voter(tier=1)
    assert "<dt>Voters</dt><dd>1</dd>" in make_client(cathy).get(url).content.decode()
    shared_voter("Mary", tier=2)  # as only the rollup writes, and it moves its state with each chunk
    RollupState.objects.create(pk=1, watermark=timezone.now())
    assert "<dt>Voters</dt><dd>2</dd>" in make_client(cathy).get(url).content.decode()


def test_a_precinct_race_names_its_county_so_a_same_numbered_precinct_elsewhere_stays_out(db):
    from types import SimpleNamespace

    from candidates.district import district_voters
    from candidates.forms import RaceForm

    form = RaceForm(
        {"office": "county", "district_type": "precinct", "district_code": "0010", "election_year": 2028,
         "primary_date": "2028-08-01", "general_date": "2028-11-07"}
    )  # fmt: skip
    assert not form.is_valid() and "Boone: 0010" in str(form.errors["district_code"])
    query = str(district_voters(SimpleNamespace(district_type="precinct", district_code="Boone: 0010")).query)
    assert '"county" = Boone' in query and '"precinct" = 0010' in query


def test_an_apartment_or_unit_goes_on_address_line_2(candidacy, cathy):
    shared_voter("Ann", "Flat", house="3 Elm St", tier=1, residence_unit="APT 2B", residence_zip="64401")
    shared_voter("Bo", "Box", house="4 Elm St", tier=1, residence_zip="64402", mailing_address="PO BOX 7",
                 mailing_city="Maryville", mailing_state="MO", mailing_zip="64402")  # fmt: skip
    shared_voter("Cy", "Suite", house="5 Elm St", tier=1, residence_zip="64403",
                 mailing_address="12 ELM ST STE 400", mailing_city="Maryville", mailing_state="MO",
                 mailing_zip="64468")  # fmt: skip
    shared_voter("Di", "Hash", house="6 Elm St", tier=1, residence_zip="64404", mailing_address="9 OAK AVE #4",
                 mailing_city="Maryville", mailing_state="MO", mailing_zip="64468")  # fmt: skip
    _body, rows = download(make_reauthenticated_client(cathy), candidacy)
    assert [row[:3] for row in rows[1:]] == [
        ["Ann Flat", "3 Elm St", "APT 2B"],
        ["Bo Box", "PO BOX 7", ""],
        ["Cy Suite", "12 ELM ST", "STE 400"],
        ["Di Hash", "9 OAK AVE", "#4"],
    ]


def test_a_voter_file_household_in_an_apartment_is_mailed_with_its_unit_on_line_2(tmp_path, sam, cathy):
    header, lines = fixture_rows()
    at = {name: index for index, name in enumerate(header)}
    flat = next(
        line for line in lines
        if line[at["Unit Type"]] == "APT" and line[at["Political Party"]] == "Democratic"
        and not line[at["Mailing Address"]]
    )  # fmt: skip
    run("import_voters", fixture_copy("psr_sample.txt", tmp_path))
    rollup_ids(full=True)
    services.account_approve(actor=sam, candidate=cathy)
    race = make_race(sam, code=flat[at["LEGISLATIVE DISTRICT 20"]])
    _body, rows = download(make_reauthenticated_client(cathy), make_candidacy(sam, race, candidate=cathy))
    street = " ".join(
        flat[at[name]] for name in ("House Number", "Street Name", "Street Type") if flat[at[name]]
    )
    unit = f"APT {flat[at['Unit Number']]}"
    assert [street, unit, flat[at["Residential City"]]] in [row[1:4] for row in rows[1:]]
    assert not [row for row in rows[1:] if row[1].endswith(unit)]


def test_control_characters_in_the_voter_file_do_not_break_the_rows(candidacy, cathy):
    # The export joins a household's fields with these characters: in the data they become spaces.
    shared_voter("Jo\x1fe", "Sm\x1eith", house="2 Oak\x1fSt", tier=1, residence_city="Mary\x1eville")
    shared_voter("Al", "Smith", house="2 Oak\x1fSt", tier=1, residence_city="Mary\x1eville")
    _body, rows = download(make_reauthenticated_client(cathy), candidacy)
    assert rows[1:] == [["Jo e Sm ith & Al Smith", "2 Oak St", "", "Mary ville", "MO", "64468", "", "2"]]
