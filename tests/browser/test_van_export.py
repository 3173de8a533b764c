"""A staffer downloads the VAN export: dates, the password once more, the file, then its audit row."""

import csv
import hashlib
import io

import pytest
from django.utils import timezone

from contacts.models import ContactAttempt, Export
from tests.browser.test_sign_in import sign_in_with_a_code
from tests.cast import PASSWORD, make_household, make_voter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staffer_confirms_their_password_downloads_the_van_file_and_finds_it_audited(page, sam, alice):
    voter = make_voter(make_household(None))
    ContactAttempt.objects.create(leader=alice, voter=voter, channel="door", result="not_home",
                                  device_time=timezone.now())  # fmt: skip
    today = timezone.localdate().isoformat()

    sign_in_with_a_code(page, sam)
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Races").click()
    page.get_by_role("link", name="VAN export").click()
    page.get_by_label("From").fill(today)
    page.get_by_label("To (included)").fill(today)
    page.get_by_role("button", name="Download").click()

    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_download() as started:
        page.get_by_role("button", name="Confirm").click()
    body = open(started.value.path(), "rb").read()  # noqa: PTH123, SIM115
    rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
    assert rows[1][:4] == ["", str(voter.pk), "Walk", "Not Home"]  # no VANID loaded for this voter

    export = Export.objects.get()
    assert export.sha256 == hashlib.sha256(body).hexdigest() and export.rows == 1
    page.goto("/races/exports/")
    page.get_by_role("link", name=timezone.localtime(export.started_at).strftime("%b %-d, %Y %H:%M")).click()
    page.get_by_text(export.sha256).wait_for()
