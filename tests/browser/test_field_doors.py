"""Knocking on a phone: two IDs at one door, and three knocks logged with no connection at all."""

import pytest

from contacts.models import ContactAttempt, PartyID
from tests.cast import MARYVILLE, make_cycle, make_household, make_turf, make_voter, offset
from tests.live_server import ServerCut
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_street(alice, doors: int = 4):
    """Alice's door list: `doors` houses on Elm Street with two voters each."""
    homes = [
        make_household(offset(MARYVILLE, 0, 30 * i), street="Elm", number=100 + 2 * i) for i in range(doors)
    ]
    voters = [make_voter(home, first=name) for home in homes for name in ("Pat", "Sam")]
    make_turf(alice, cycle=make_cycle(), doors=voters)
    return homes


def go_offline(page) -> list[str]:
    """Cut the connection; return the list the worker's failed fetches are added to."""
    refused = []

    # set_offline() alone leaves the service worker's own fetches online: abort those as well.
    def cut(route):
        if route.request.service_worker:
            refused.append(route.request.url)
            return route.abort("internetdisconnected")
        return route.fallback()

    page.context.route("**/*", cut)
    page.context.set_offline(True)
    ServerCut.on = True
    return refused


def go_online(page):
    ServerCut.on = False
    page.context.unroute("**/*")
    page.context.set_offline(False)


def test_a_leader_logs_a_household_knock_with_two_ids(page, live_server, alice):
    homes = make_street(alice)
    sign_in_browser(page, alice, live_server.url)
    page.goto("/turf/doors/")
    page.get_by_role("link", name="100 Elm St").click()
    page.get_by_role("group", name="Pat said").get_by_text("1 Strong Dem").click()
    page.get_by_role("group", name="Sam said").get_by_text("4 Lean Rep").click()
    page.get_by_role("button", name="Save conversation").click()
    page.wait_for_url(f"**/turf/doors/{homes[1].pk}/")  # on to the next door
    page.get_by_text("Everything is synced.").wait_for()
    attempt = ContactAttempt.objects.get()
    assert (attempt.household, attempt.channel, attempt.result, attempt.voter) == (
        homes[0],
        "door",
        "talked",
        None,
    )
    ids = {party_id.voter.first_name: party_id.value for party_id in PartyID.objects.select_related("voter")}
    assert ids == {"Pat": 1, "Sam": 4}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_three_knocks_offline_survive_a_reload_and_land_once(page, live_server, alice):
    homes = make_street(alice)
    sign_in_browser(page, alice, live_server.url)
    page.goto("/")
    # One visit to the home screen: the worker keeps it, the lists it links to, and their screens.
    page.wait_for_selector("html[data-offline-ready='1']")

    refused = go_offline(page)
    page.get_by_role("link", name="Knock at 100 Elm St").click()
    page.get_by_role("button", name="Not home").click()
    page.get_by_role("heading", name="102 Elm St").wait_for()
    page.get_by_role("button", name="Left literature").click()
    page.get_by_role("heading", name="104 Elm St").wait_for()
    page.get_by_role("button", name="Not home").click()
    page.get_by_role("heading", name="106 Elm St").wait_for()
    page.get_by_text("3 attempts wait to sync").wait_for()
    assert ContactAttempt.objects.count() == 0

    page.reload()  # still offline: the page comes from the phone, the outbox from IndexedDB
    page.get_by_role("heading", name="106 Elm St").wait_for()
    assert refused[-1].endswith(f"/turf/doors/{homes[3].pk}/"), (
        "the reload must have tried the network and failed"
    )
    page.get_by_text("3 attempts wait to sync").wait_for()
    assert ContactAttempt.objects.count() == 0

    go_online(page)
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    attempts = ContactAttempt.objects.order_by("device_time")
    assert [(a.household, a.result) for a in attempts] == [
        (homes[0], "not_home"), (homes[1], "left_literature"), (homes[2], "not_home"),
    ]  # fmt: skip
    assert len({a.client_uuid for a in attempts}) == 3
