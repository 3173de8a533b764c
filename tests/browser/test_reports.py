"""A coordinator signs in on a phone, confirms a neighbor's reported move, and takes it back."""

import pytest

from contacts.models import Suppression
from tests.browser.test_sign_in import sign_in_with_a_code
from tests.cast import MARYVILLE, make_household, make_voter

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


def test_a_coordinator_lifts_a_hostile_door_from_a_phone_and_the_household_is_listed_again(
    page, alice, carol
):
    import uuid

    from django.utils import timezone

    from contacts.models import Channel, ContactAttempt
    from contacts.services import contact_record
    from tests.cast import make_cycle, make_turf
    from turf.models import Entry

    home = make_household(MARYVILLE)
    pat, lee = make_voter(home, first="Pat", last="Door"), make_voter(home, first="Lee", last="Door")
    make_turf(alice, cycle=make_cycle(), doors=[pat, lee])
    contact_record(
        leader=alice, client_uuid=uuid.uuid4(), channel=Channel.DOOR, result=ContactAttempt.Result.HOSTILE,
        device_time=timezone.now(), household=home, note="Set the dog on me",
    )  # fmt: skip
    assert not Entry.objects.listed().exists()

    sign_in_with_a_code(page, carol)
    page.goto("/voters/reports/")
    page.get_by_role("link", name="Hostile, do not contact, wrong numbers").click()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Pat Door"))
    assert "Set the dog on me" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    card.get_by_label("Why lift it?").fill("Wrong house: the dog lives next door.")
    card.get_by_role("button", name="Lift: hostile").click()

    page.get_by_text("Hostile lifted for the 2 people at").wait_for()
    page.get_by_text("Wrong house: the dog lives next door.").first.wait_for()
    assert Entry.objects.listed().count() == 2
    assert set(Suppression.objects.values_list("dismissed_by", flat=True)) == {carol.pk}
