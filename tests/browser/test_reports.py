"""A coordinator signs in on a phone, confirms a neighbor's reported move, and takes it back."""

import pytest

from contacts.models import Suppression
from tests.browser.test_sign_in import sign_in_with_a_code
from tests.turf.conftest import MARYVILLE, make_household, make_voter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_confirms_a_reported_move_from_the_menu_and_undoes_it(page, alice, carol):
    pat = make_voter(make_household(MARYVILLE), first="Pat", last="Mover")
    report = Suppression.objects.create(voter=pat, reason=Suppression.Reason.MOVED, created_by=alice)

    sign_in_with_a_code(page, carol)
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Moves and deaths 1").click()

    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Pat Mover"))
    assert "Reported by\nAlice" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    card.get_by_role("button", name="Confirm: moved").click()

    page.get_by_text("Pat Mover: moved confirmed by Carol; they are off every list.").wait_for()
    page.get_by_text("Nothing waits for you").wait_for()
    report.refresh_from_db()
    assert report.confirmed_by == carol and report.confirmed_at is not None

    # A mis-tap on a phone is taken back from the same page, and the report waits again.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("Pat Mover: decision undone. The report (moved) waits for a decision again.").wait_for()
    page.get_by_role("heading", name="Pat Mover").wait_for()
    report.refresh_from_db()
    assert (report.confirmed_by, report.confirmed_at) == (None, None)
