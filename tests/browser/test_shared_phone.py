"""A shared phone: one leader's unsent notes and kept pages never reach the next account."""

import pytest

from contacts.models import ContactAttempt
from tests.browser.test_field_doors import go_offline, go_online, make_street
from tests.browser.test_sign_in import sign_in
from tests.cast import MARYVILLE, make_household, make_turf, make_voter, offset
from turf.models import Cycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYNC = "**/api/v1/contacts/sync"


def kept_pages(page) -> list[str]:
    """Every URL the service worker keeps for offline use, whatever its version."""
    return page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                if (!name.startsWith("nl-pages-")) continue;
                for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )


def open_menu_and_sign_out(page):
    page.get_by_text("Menu").click()
    page.get_by_role("button", name="Sign out").click()


def test_a_leaders_unsent_notes_wait_for_her_and_nobody_else_sees_or_sends_them(
    page, live_server, alice, bob
):
    homes = make_street(alice)
    bobs_home = make_household(offset(MARYVILLE, 900, 900), street="Oak", number=7)
    make_turf(bob, cycle=Cycle.current(), doors=[make_voter(bobs_home, first="Olive")])
    sent = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/contacts/sync") else None)

    # Alice keeps her pages, knocks three doors with no connection, then has signal again but the
    # server cannot be reached (a captive portal, a dead zone between two towers).
    sign_in(page, alice.email)
    page.wait_for_selector("html[data-offline-ready='1']")
    assert any(f"/turf/doors/{homes[0].pk}/" in url for url in kept_pages(page))
    go_offline(page)
    page.get_by_role("link", name="Knock at 100 Elm St").click()
    for result, next_door in (("Not home", "102"), ("Left literature", "104"), ("Not home", "106")):
        page.get_by_role("button", name=result).click()
        page.get_by_role("heading", name=f"{next_door} Elm St").wait_for()
    page.get_by_text("3 attempts wait to sync").wait_for()
    uuids = page.evaluate("NLOutbox.pending(NLSession.user).then(rs => rs.map(r => r.uuid))")
    page.context.route(SYNC, lambda route: route.abort("internetdisconnected"))
    go_online(page)

    # Signing out says what is not sent; sending first fails; she signs out and keeps them.
    open_menu_and_sign_out(page)
    page.get_by_role("heading", name="3 notes not sent yet").wait_for()
    page.get_by_role("button", name="Send them, then sign out").click()
    page.get_by_text("Not sent: No connection").wait_for()
    page.get_by_role("button", name="Sign out and keep them for next time").click()
    page.get_by_role("link", name="Sign in").wait_for()
    assert kept_pages(page) == [], "alice's pages (names, doors) are still readable on the phone"
    page.context.unroute(SYNC)
    sent.clear()  # her own tries, refused on the way out

    # Bob signs in on the same phone: none of her notes show, none are sent under his session.
    sign_in(page, bob.email)
    page.get_by_text("Everything is synced.").wait_for()
    assert page.evaluate("NLOutbox.pending(NLSession.user).then(rs => rs.length)") == 0
    page.goto("/turf/doors/")
    assert "Elm St" not in page.content() and "Saved on this phone" not in page.content()
    page.get_by_text("Everything is synced.").wait_for()
    assert not any(uuid in body for body in sent for uuid in uuids)
    assert ContactAttempt.objects.count() == 0
    # A page she kept is gone for him, even with no connection.
    go_offline(page)
    page.goto(f"/turf/doors/{homes[0].pk}/")
    assert "Elm St" not in page.content()
    go_online(page)

    # Bob signs out with nothing waiting: no question asked. Alice is back: her notes go, once.
    page.goto("/")
    open_menu_and_sign_out(page)
    page.get_by_role("link", name="Sign in").wait_for()
    sign_in(page, alice.email)
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    attempts = ContactAttempt.objects.order_by("device_time")
    assert [(a.leader, a.household, a.result) for a in attempts] == [
        (alice, homes[0], "not_home"), (alice, homes[1], "left_literature"), (alice, homes[2], "not_home"),
    ]  # fmt: skip
    assert sorted(str(a.client_uuid) for a in attempts) == sorted(uuids)


def test_deleting_unsent_notes_takes_a_second_yes(page, live_server, alice):
    make_street(alice)
    sign_in(page, alice.email)
    page.wait_for_selector("html[data-offline-ready='1']")
    go_offline(page)
    page.get_by_role("link", name="Knock at 100 Elm St").click()
    page.get_by_role("button", name="Not home").click()
    page.get_by_text("1 attempt waits to sync").wait_for()
    page.context.route(SYNC, lambda route: route.abort("internetdisconnected"))
    go_online(page)
    open_menu_and_sign_out(page)
    page.get_by_role("heading", name="1 note not sent yet").wait_for()
    page.get_by_role("button", name="Delete them…").click()
    page.get_by_role("button", name="No, keep them").click()
    page.get_by_role("button", name="Delete them…").click()
    page.get_by_role("button", name="Yes, delete them and sign out").click()
    page.get_by_role("link", name="Sign in").wait_for()
    page.context.unroute(SYNC)
    sign_in(page, alice.email)
    page.get_by_text("Everything is synced.").wait_for()
    assert ContactAttempt.objects.count() == 0
