"""A host plans a gathering and invites from the call list on a phone; the invitee answers through
their link; beat's dispatch puts the reminder in the outbox."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from events.mailings import mailings_send
from events.models import Gathering
from tests.cast import make_lists
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_host_invites_from_the_call_list_and_the_invitee_answers_and_is_reminded(
    page, browser, live_server, alice, bob
):
    lists = make_lists(alice, bob)
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in_browser(page, alice, live_server.url)

    page.goto("/gatherings/new/")
    page.get_by_label("Kind").select_option("community")
    day = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%d")
    page.get_by_label("Day").fill(day)
    page.get_by_label("Starts").fill("18:30")
    page.get_by_label("Ends").fill("20:00")
    page.get_by_label("Place").fill("Maryville Public Library")
    page.get_by_label("Capacity").fill("20")
    page.get_by_label("Notes for guests").fill("Coffee <b>and</b> pie")
    page.get_by_role("button", name="Plan it").click()
    page.get_by_role("heading", name="Community gathering").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    gathering = Gathering.objects.get()

    callee = lists.calls[0]
    page.get_by_label(f"{callee.display_name} (call list)").check()
    page.get_by_role("button", name="Invite").click()
    page.get_by_text("Invited 1.").wait_for()
    page.get_by_role("link", name="Their link").click()
    link = page.locator("[data-invitation-link]").input_value()

    guest = browser.new_context(viewport={"width": 360, "height": 740})  # the neighbor's own phone
    invitee = guest.new_page()
    invitee.goto(link)
    invitee.get_by_text("Maryville Public Library").wait_for()
    assert "Coffee <b>and</b> pie" in invitee.inner_text("main")
    assert invitee.evaluate("document.documentElement.scrollWidth") <= 360
    invitee.get_by_label("Yes").check()
    invitee.get_by_label("Email for a reminder (optional)").fill("callee@example.org")
    invitee.get_by_role("button", name="Send my answer").click()
    invitee.locator("[data-rsvp-answer]").get_by_text("Yes").wait_for()
    guest.close()

    page.goto(f"/gatherings/{gathering.pk}/")
    assert "1 yes" in page.inner_text("main")

    mailings_send(now=gathering.starts_at - timedelta(hours=2))  # what beat does three hours before
    [reminder] = mail.outbox
    assert reminder.to == ["callee@example.org"] and reminder.subject.startswith(
        "Reminder: Community gathering"
    )
    assert reminder.attachments[0].get_filename() == "gathering.ics"
    assert blocked == []
