"""A candidate's journey: MFA sign-in, the district's counts, a mail list with its live count, the
password once more, the download, and the audit row staff read."""

import csv
import hashlib
import io

import pytest
from django.db import connections

from candidates import services
from contacts.models import Export
from tests.browser.test_sign_in import sign_in_with_a_code
from tests.candidates.races import make_candidacy, make_race
from tests.candidates.shared_voters import shared_voter
from tests.cast import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "shared", "shared_reader"]),
]


@pytest.fixture(autouse=True)
def _close_the_reader():
    yield
    connections["shared_reader"].close()


def test_a_candidate_counts_builds_a_list_downloads_it_and_staff_find_it_audited(page, sam, cathy):
    services.account_approve(actor=sam, candidate=cathy)
    candidacy = make_candidacy(sam, make_race(sam, code="20 LE 001"), candidate=cathy)
    shared_voter("John", "Smith", tier=1, precinct="01")
    shared_voter("Mary", "Smith", tier=2, precinct="01")
    shared_voter("Ann", "Jones", house="9 Elm St", tier=3, precinct="02", precinct_name="Jackson")
    shared_voter("Rex", "Red", house="8 Oak St", tier=5, precinct="02", precinct_name="Jackson")

    sign_in_with_a_code(page, cathy)
    page.goto("/races/mine/")
    page.get_by_role("link", name=candidacy.race.label).click()
    page.get_by_role("link", name="Your district").click()
    page.get_by_role("heading", name="By precinct").wait_for()
    assert page.get_by_role("row", name="Nodaway 02 Jackson").inner_text().split("\t")[1] == "2"

    page.get_by_role("link", name="Build a mail list").click()
    # Persuasion by default: IDs 2-3, so Mary's household and Ann's.
    page.get_by_text("2 households (2 voters)").wait_for()
    page.get_by_label("GOTV (get out the vote)").check()
    page.get_by_text("1 household (2 voters)").wait_for()  # the live count, without a reload

    page.get_by_role("button", name="Download CSV").click()
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_download() as started:
        page.get_by_role("button", name="Confirm").click()
    body = open(started.value.path(), "rb").read()  # noqa: PTH123, SIM115
    rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
    assert rows[1][0] == "John & Mary Smith" and len(rows) == 2
    export = Export.objects.get()
    assert export.sha256 == hashlib.sha256(body).hexdigest() and export.purpose == "gotv"

    page.context.clear_cookies()
    sign_in_with_a_code(page, sam)
    page.goto(f"/races/exports/{export.pk}/")
    page.get_by_text(export.sha256).wait_for()
