"""A coordinator works the follow-up page on a 360 px phone: resends a link and adds a yes as a prospect."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from events.models import Attendee
from leaders.models import Invitation, LeaderProfile
from leaders.pipeline import add_prospect
from leaders.services import invite_prospect
from tests.cast import MARYVILLE, make_gathering, make_home
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_resends_a_link_and_follows_up_a_yes_at_360_px(
    page, live_server, alice, carol, tmp_path
):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    make_home(alice, MARYVILLE)
    ivan = add_prospect(
        first_name="Ivan", last_name="Old", email="ivan@example.org", county="Nodaway", by=carol
    )
    invite_prospect(profile=ivan, by=carol, site_url=live_server.url)
    Invitation.objects.update(created_at=timezone.now() - timedelta(days=10))
    gathering = make_gathering(alice, days=-1)
    Attendee.objects.create(
        gathering=gathering, origin=Attendee.Origin.WALK_IN, name="Yolanda Yes", phone="6605550100",
        checked_in_at=timezone.now(), checked_in_by=alice, ask=Attendee.Ask.YES, asked_at=timezone.now(),
    )  # fmt: skip
    mail.outbox.clear()
    sign_in_browser(page, carol, live_server.url)

    page.goto("/")
    page.get_by_role("link", name="Follow-up: who to reach today").click()
    page.get_by_role("heading", name="Follow-up · Nodaway").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    yeses = page.locator("[data-list=yeses]")
    assert yeses.get_by_role("link", name="Call 6605550100").get_attribute("href") == "tel:6605550100"
    page.screenshot(path=tmp_path / "followup-360.png", full_page=True)

    page.locator("[data-list=invites_unanswered]").get_by_role("button", name="Resend the link").click()
    page.get_by_text("Sent Ivan Old a sign-up link").wait_for()
    assert [message.to for message in mail.outbox] == [["ivan@example.org"]]

    page.goto("/dashboard/follow-up/")
    page.locator("[data-list=yeses]").get_by_role("button", name="Add as a prospect").click()
    page.get_by_text("Yolanda Yes is a prospect now").wait_for()
    assert LeaderProfile.objects.get(first_name="Yolanda").recruiter == alice
    page.goto("/dashboard/follow-up/")
    assert page.locator("[data-list=yeses] li").first.inner_text().startswith("Nobody")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert problems == []
