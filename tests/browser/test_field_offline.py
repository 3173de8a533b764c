"""A leader's phone on a slow rural connection that goes at the worst moments: nothing logged is lost.

The connection is slowed with Chromium's own network emulation, for the page and for its service
worker (which fetches what the phone keeps), and cut by blocking the worker's requests as well as
setting the page offline: Playwright's set_offline() alone lets some of the worker's requests through.
"""

import json
import re

import pytest
from playwright.sync_api import Error

from contacts.models import ContactAttempt
from tests.browser.test_field_doors import make_street
from tests.browser.test_sign_in import sign_in
from tests.cast import make_gathering, make_turf, make_voter
from tests.field.test_offline import full_lists
from tests.live_server import ServerCut
from turf.models import Cycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A rural 3G signal: 400 ms round trips, 40 kB/s down, 20 kB/s up.
SLOW = {"offline": False, "latency": 400, "downloadThroughput": 40_000, "uploadThroughput": 20_000}
BUNDLES = "**/offline/*/"
SYNC = "**/api/v1/contacts/sync"


class SlowPhone:
    """A phone on a slow connection that can go: for the page and its service worker alike.

    Chromium's network emulation slows both (the worker is a target of its own, reached through the
    browser's session); cutting it also blocks the worker's requests and sets the page offline, as
    Playwright's set_offline() alone lets some of the worker's requests through.
    """

    def __init__(self, page, browser):
        self.page = page
        self.refused: list[str] = []
        self.page_too = False
        # The worker first, installed on the sign-in page, so that its fetches are slowed from the start.
        page.goto("/accounts/login/")
        page.evaluate(
            "navigator.serviceWorker.register('/sw.js', {scope: '/'}).then(() => navigator.serviceWorker.ready).then(() => true)"
        )
        self.page_session = page.context.new_cdp_session(page)
        self.browser_session = browser.new_browser_cdp_session()
        targets = self.browser_session.send("Target.getTargets")["targetInfos"]
        worker = next(target for target in targets if target["type"] == "service_worker")
        attached = self.browser_session.send(
            "Target.attachToTarget", {"targetId": worker["targetId"], "flatten": False}
        )
        self.worker_session = attached["sessionId"]
        self.messages = 0
        self._to_worker("Network.enable", {})
        self._conditions(SLOW)

    def _to_worker(self, method: str, params: dict) -> None:
        self.messages += 1
        message = json.dumps({"id": self.messages, "method": method, "params": params})
        self.browser_session.send(
            "Target.sendMessageToTarget", {"sessionId": self.worker_session, "message": message}
        )

    def _conditions(self, conditions: dict) -> None:
        self.page_session.send("Network.emulateNetworkConditions", conditions)
        self._to_worker("Network.emulateNetworkConditions", conditions)

    def _cut(self, route):
        if route.request.service_worker or self.page_too:
            self.refused.append(route.request.url)
            return route.abort("internetdisconnected")
        return route.fallback()

    def offline(self, *, page_too: bool = True) -> None:
        """Cut the worker's connection, and the page's unless `page_too` is false."""
        self.page_too = page_too
        self.page.context.unroute("**/*", self._cut)  # cut once, however often it is called
        self.page.context.route("**/*", self._cut)
        if page_too:
            self._conditions({**SLOW, "offline": True})
            self.page.context.set_offline(True)
            ServerCut.on = True

    def online(self) -> None:
        ServerCut.on = False
        self.page.context.unroute("**/*", self._cut)
        self.page.context.set_offline(False)
        self._conditions(SLOW)


def readiness(page) -> str:
    return page.locator("[data-readiness]").inner_text()


def worker_requests(page) -> list[str]:
    """Record the paths the service worker asks the server for (static files aside)."""
    paths = []

    def seen(request):
        path = "/" + request.url.split("/", 3)[3]
        if request.service_worker and not path.startswith("/static/"):
            paths.append(path)

    page.context.on("request", seen)
    return paths


def test_a_full_list_is_ready_on_a_slow_connection_in_a_few_requests_and_works_offline(
    page, browser, live_server, alice
):
    homes = full_lists(alice)
    phone = SlowPhone(page, browser)
    fetched = worker_requests(page)
    sign_in(page, alice.email)
    page.get_by_text("Ready for the doors: 58 of 58 saved on this phone.").wait_for(timeout=60_000)
    page.get_by_text("Calls: 50 of 50 saved.").wait_for(timeout=60_000)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=60_000)
    # One request per part, not one per page: the 111 screens came in three.
    assert sorted(path for path in fetched if path.startswith("/offline/")) == [
        "/offline/calls/", "/offline/doors/", "/offline/more/",
    ]  # fmt: skip
    assert not [path for path in fetched if re.fullmatch(r"/(turf/doors|calls)/\d+/", path)]

    phone.offline()
    page.reload()  # the home screen itself, from the phone
    page.get_by_text("Ready for the doors: 58 of 58 saved on this phone.").wait_for()
    page.get_by_role("link", name="Knock at 100 Elm St").click()
    page.get_by_role("button", name="Not home").click()
    page.get_by_role("heading", name="102 Elm St").wait_for()
    page.goto(f"/turf/doors/{homes[-1].pk}/")  # the far end of the list, kept as well
    page.get_by_role("heading", name=f"{100 + 2 * 57} Elm St").wait_for()
    page.get_by_role("button", name="Left literature").click()
    page.get_by_role("heading", name="My doors").wait_for()  # the last door leads back to the list
    page.get_by_text("2 attempts wait to sync").wait_for()

    phone.online()
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    attempts = ContactAttempt.objects.order_by("device_time")
    assert [(a.household, a.result) for a in attempts] == [
        (homes[0], "not_home"),
        (homes[-1], "left_literature"),
    ]


def test_offline_right_after_sign_in_the_phone_says_it_is_not_ready_and_keeps_what_is_logged(
    page, browser, live_server, alice
):
    homes = make_street(alice)
    phone = SlowPhone(page, browser)
    # The signal goes the moment the leader has signed in: nothing of the lists reaches the phone.
    page.context.route(BUNDLES, lambda route: route.abort("internetdisconnected"))
    sign_in(page, alice.email)
    page.get_by_text("Not ready for the doors: 0 of 4 saved on this phone.").wait_for(timeout=30_000)

    # The knock screen opened with the last of the signal; the leader logs the door with none.
    page.get_by_role("link", name="Knock at 100 Elm St").click()
    page.get_by_role("heading", name="100 Elm St").wait_for()
    phone.offline()
    page.get_by_role("button", name="Not home").click()
    # The next door never reached the phone: it says so, and that the knock is safe.
    page.get_by_role("heading", name="Not saved on this phone").wait_for()
    assert "The screen for this door was not saved on this phone" in page.content()
    assert "Everything you logged is safe on this phone" in page.content()
    assert ContactAttempt.objects.count() == 0

    # Signal again: the home screen sends the knock once and keeps the lists.
    page.context.unroute(BUNDLES)
    phone.online()
    page.goto("/")
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    page.get_by_text("Ready for the doors: 4 of 4 saved on this phone.").wait_for(timeout=30_000)
    (attempt,) = ContactAttempt.objects.all()
    assert (attempt.household, attempt.result) == (homes[0], "not_home")


def test_offline_in_the_middle_of_the_prefetch_the_doors_work_and_the_calls_say_what_is_missing(
    page, browser, live_server, alice
):
    homes = make_street(alice)
    callee = make_voter(homes[3], first="Callee", phone=True)
    make_turf(alice, cycle=Cycle.current(), calls=[callee])
    phone = SlowPhone(page, browser)
    # The doors arrive; the signal goes before the calls do.
    page.context.route("**/offline/calls/", lambda route: route.abort("internetdisconnected"))
    sign_in(page, alice.email)
    page.get_by_text("Ready for the doors: 4 of 4 saved on this phone.").wait_for(timeout=30_000)
    page.get_by_text("Calls: 0 of 1 saved so far.").wait_for()

    phone.offline()
    page.get_by_role("link", name="Knock at 100 Elm St").click()
    page.get_by_role("button", name="Not home").click()
    page.get_by_role("heading", name="102 Elm St").wait_for()
    page.get_by_role("button", name="Refused").click()
    page.get_by_role("heading", name="104 Elm St").wait_for()
    page.get_by_text("2 attempts wait to sync").wait_for()
    page.goto(f"/calls/{callee.pk}/")
    page.get_by_role("heading", name="Not saved on this phone").wait_for()
    assert "The screen for this call was not saved on this phone" in page.content()
    page.get_by_role("link", name="My doors").click()
    page.get_by_role("heading", name="My doors").wait_for()
    # The page marks the doors waiting in the outbox once its script has read the outbox.
    door = page.locator(f'[data-target="household:{homes[0].pk}"]')
    door.get_by_text("Saved on this phone").wait_for()
    assert door.inner_text().endswith("Saved on this phone")

    page.context.unroute("**/offline/calls/")
    phone.online()
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    attempts = ContactAttempt.objects.order_by("device_time")
    assert [(a.household, a.result) for a in attempts] == [(homes[0], "not_home"), (homes[1], "refused")]


def test_offline_between_saving_and_moving_on_every_attempt_lands_exactly_once(
    page, browser, live_server, alice
):
    homes = make_street(alice)
    phone = SlowPhone(page, browser)
    sign_in(page, alice.email)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=60_000)
    page.get_by_role("link", name="Knock at 100 Elm St").click()
    page.get_by_text("Everything is synced.").wait_for()  # the page's scripts are running

    # The knock reaches the server, but the signal goes before its answer comes back, and before
    # the next door is fetched: the phone still holds the knock, and the next door is the kept one.
    def answer_lost(route):
        try:
            route.fetch()
            route.abort("internetdisconnected")
        except Error:
            pass  # the page moved on before the answer came: it was lost all the same

    page.context.route(SYNC, answer_lost)
    phone.offline(page_too=False)  # the knock's own send leaves; the worker's fetch of the next door does not
    page.get_by_role("button", name="Not home").click()
    page.get_by_role("heading", name="102 Elm St").wait_for()
    assert any(url.endswith(f"/turf/doors/{homes[1].pk}/") for url in phone.refused)
    phone.offline()
    page.get_by_role("button", name="Left literature").click()
    page.get_by_role("heading", name="104 Elm St").wait_for()
    page.get_by_text("2 attempts wait to sync").wait_for()
    assert ContactAttempt.objects.count() == 1  # the first, whose answer was lost

    page.context.unroute(SYNC)
    phone.online()
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    attempts = ContactAttempt.objects.order_by("device_time")
    assert [(a.household, a.result) for a in attempts] == [
        (homes[0], "not_home"),
        (homes[1], "left_literature"),
    ]


def test_my_lists_gatherings_account_and_security_open_offline_read_only(page, browser, live_server, alice):
    make_street(alice)
    gathering = make_gathering(alice)
    phone = SlowPhone(page, browser)
    sign_in(page, alice.email)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=60_000)

    phone.offline()
    page.goto("/turf/")
    page.get_by_role("heading", name="My neighbors").wait_for()
    page.goto(f"/gatherings/{gathering.pk}/")
    page.get_by_text("The Lions Club").wait_for()
    page.goto("/accounts/2fa/")
    page.get_by_role("heading", name="Two-Factor Authentication").wait_for()
    page.goto("/devices/")
    page.get_by_role("heading").first.wait_for()
    page.goto("/accounts/email/")
    page.get_by_role("heading", name="Email Addresses").wait_for()
    # A form sent with no signal says that nothing was sent, instead of the browser's error page.
    page.get_by_label("Email").fill("alice.new@example.org")
    page.get_by_role("button", name="Add Email").click()
    page.get_by_role("heading", name="Not sent: no signal").wait_for()
    assert "Nothing was sent and nothing was changed" in page.content()
    phone.online()
    assert not alice.emailaddress_set.filter(email="alice.new@example.org").exists()


def test_a_knock_sent_before_the_page_scripts_loaded_with_no_signal_goes_to_the_outbox(
    page, browser, live_server, alice
):
    homes = make_street(alice)
    phone = SlowPhone(page, browser)
    sign_in(page, alice.email)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=60_000)
    page.get_by_role("link", name="Knock at 100 Elm St").click()
    page.get_by_role("heading", name="100 Elm St").wait_for()
    phone.offline()
    # On a slow page the leader can tap before its scripts have loaded: the form itself is sent.
    page.evaluate(
        """() => {
            const form = document.querySelector("form[data-record]");
            form.insertAdjacentHTML("beforeend", '<input type="hidden" name="result" value="not_home">');
            HTMLFormElement.prototype.submit.call(form);
        }"""
    )
    page.get_by_role("heading", name="102 Elm St").wait_for()
    page.get_by_text("1 attempt waits to sync").wait_for()
    assert ContactAttempt.objects.count() == 0

    phone.online()
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    (attempt,) = ContactAttempt.objects.all()
    assert (attempt.household, attempt.result) == (homes[0], "not_home")
