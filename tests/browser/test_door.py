"""At the door on a phone: check-ins, a walk-in and the ask with no connection, then synced once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Attendee, Gathering, Invitation
from tests.browser.test_field_doors import go_offline, go_online
from tests.cast import approve, make_gathering, make_household, make_voter
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_host_checks_in_a_walk_in_offline_and_it_lands_once(page, live_server, alice):
    gathering = make_gathering(approve(alice))
    Gathering.objects.filter(pk=gathering.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    invited = make_voter(make_household(None, street="Elm", number=12), first="MEG", last="MARCH")
    invitation = Invitation.objects.create(
        gathering=gathering, voter=invited, invited_by=alice, rsvp="yes", answered_at=timezone.now()
    )
    walker = make_voter(make_household(None, street="Juniper", number=412), first="JO", last="MARCH")

    sign_in_browser(page, alice, live_server.url)
    page.goto(f"/gatherings/{gathering.pk}/door/")
    page.wait_for_selector("html[data-offline-ready='1']")
    refused = go_offline(page)

    meg = page.locator(f"li[data-invitation='{invitation.pk}']")
    meg.get_by_role("button", name="Check in").click()
    meg.get_by_text("Here").wait_for()
    meg.get_by_role("button", name="Yes", exact=True).click()
    page.get_by_label("Name").fill("Jo <i>March</i>")
    page.get_by_role("button", name="Check in the walk-in").click()
    page.get_by_text("Add their street address").wait_for()  # no address or phone: refused on the phone
    page.get_by_label("Name").fill("Jo March")
    page.get_by_label("Street address").fill("412 N Juniper St")
    page.get_by_role("button", name="Check in the walk-in").click()
    jo = page.locator("[data-door-walk-ins] li", has_text="Jo March")
    jo.get_by_role("button", name="Maybe").click()
    page.get_by_text("4 attempts wait to sync").wait_for()
    assert Attendee.objects.count() == 0

    page.reload()  # still offline: the kept page, with what waits in the outbox shown on it again
    jo.get_by_role("button", name="Maybe", pressed=True).wait_for()
    assert refused, "the reload must have tried the network and failed"
    assert meg.get_by_role("button", name="Yes", pressed=True).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    go_online(page)
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    attendees = {a.voter_id: a for a in Attendee.objects.all()}
    assert set(attendees) == {invited.pk, walker.pk}
    assert (attendees[invited.pk].invitation, attendees[invited.pk].ask) == (invitation, "yes")
    assert (attendees[walker.pk].origin, attendees[walker.pk].name, attendees[walker.pk].ask) == (
        "walk_in", "Jo March", "maybe",
    )  # fmt: skip
    assert Gathering.objects.get().held_at is not None

    page.reload()  # online: the server's page now shows both, and nothing is sent twice
    page.locator("[data-door-walk-ins] li", has_text="Jo March").wait_for()
    page.get_by_text("Everything is synced.").wait_for()
    assert Attendee.objects.count() == 2
