"""A leader logs a call on a phone-sized screen: an ID and an invitation in three taps."""

import pytest

from contacts.models import ContactAttempt, PartyID
from events.models import Invitation
from tests.cast import make_gathering, make_lists
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_logs_a_call_with_an_invitation(page, live_server, alice, bob):
    lists = make_lists(alice, bob)
    gathering = make_gathering(alice)
    voter = lists.calls[0]
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in_browser(page, alice, live_server.url)
    page.goto(f"/calls/{voter.pk}/")
    dial = page.get_by_role("link", name="Call 660-555-")
    assert dial.get_attribute("href").startswith("tel:+1660555")

    page.get_by_text("2 Lean Dem", exact=True).click()  # tap 1
    page.locator(".rsvp").get_by_text("Yes", exact=True).click()  # tap 2
    page.get_by_label("Note").fill("Will bring her neighbor")
    page.get_by_role("button", name="Save conversation").click()  # tap 3

    # Saved to the outbox, then on to the next neighbor; the outbox empties once the server has it.
    page.wait_for_url(f"**/calls/{lists.calls[1].pk}/")
    page.get_by_text("Everything is synced.").wait_for()
    attempt = ContactAttempt.objects.get()
    assert (attempt.voter, attempt.channel, attempt.result, attempt.note) == (
        voter,
        "phone",
        "talked",
        "Will bring her neighbor",
    )
    assert PartyID.objects.get(attempt=attempt).value == 2
    invitation = Invitation.objects.get()
    assert (invitation.gathering, invitation.voter, invitation.rsvp) == (gathering, voter, "yes")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert blocked == []


def test_no_answer_is_one_tap_and_carries_no_id(page, live_server, alice, bob):
    lists = make_lists(alice, bob)
    voter = lists.calls[1]
    sign_in_browser(page, alice, live_server.url)
    page.goto(f"/calls/{voter.pk}/")
    page.get_by_text("1 Strong Dem", exact=True).click()  # changed their mind: nobody picked up
    page.get_by_role("button", name="No answer").click()
    page.wait_for_url(f"**/calls/{lists.calls[0].pk}/")  # on to the next neighbor, wrapping round
    page.get_by_text("Everything is synced.").wait_for()
    attempt = ContactAttempt.objects.get()
    assert (attempt.voter, attempt.result) == (voter, "no_answer")
    assert not PartyID.objects.exists()
