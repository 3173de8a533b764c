"""The whole recruitment journey on phones, end to end (issue #15's proof).

A host plans a gathering and invites from their call list; the invitee answers yes through their
private link and is reminded; at the door, offline, the host checks in the invitee and a walk-in
and asks both to lead; back online, the outbox syncs once; the walk-in signs up from the emailed
link, finds their voter record, staff approve and cut their turf, and the host's tree shows them
recruited by the host from this gathering.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from events.mailings import mailings_send
from events.models import Attendee, Gathering
from leaders.models import LeaderProfile, User
from tests.browser.test_field_doors import go_offline, go_online
from tests.browser.test_sign_in import sign_in_with_a_code
from tests.cast import MARYVILLE, make_household, make_lists, make_neighborhood, make_voter
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long volunteer passphrase 2028"
SIGN_UP_LINK = re.compile(r"https?://\S+/join/\S+/")


def fits(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_neighbor_is_invited_says_yes_at_the_door_signs_up_gets_turf_and_joins_the_hosts_tree(
    page, new_tab, live_server, alice, bob, sam, settings
):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 6, 10
    settings.SITE_URL = live_server.url  # where emailed links point
    lists = make_lists(alice, bob)
    make_neighborhood(MARYVILLE, households=30)
    walker = make_voter(make_household(MARYVILLE, street="Juniper", number=412), first="JO", last="MARCH")

    # The host plans a gathering five days out and invites a neighbor from the call list.
    sign_in_browser(page, alice, live_server.url)
    page.goto("/gatherings/new/")
    page.get_by_label("Kind").select_option("community")
    page.get_by_label("Day").fill((timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%d"))
    page.get_by_label("Starts").fill("18:30")
    page.get_by_label("Ends").fill("20:00")
    page.get_by_label("Place").fill("Maryville Public Library")
    page.get_by_label("Capacity").fill("20")
    page.get_by_role("button", name="Plan it").click()
    page.get_by_role("heading", name="Community gathering").wait_for()
    gathering = Gathering.objects.get()
    callee = lists.calls[0]
    page.get_by_label(f"{callee.display_name} (call list)").check()
    page.get_by_role("button", name="Invite").click()
    page.get_by_text("Invited 1.").wait_for()
    page.get_by_role("link", name="Their link").click()
    link = page.locator("[data-invitation-link]").input_value()

    # The invitee opens their private link on their own phone, not signed in, and answers yes.
    invitee = new_tab()
    invitee.goto(link)
    invitee.get_by_text("Maryville Public Library").wait_for()
    assert fits(invitee)
    invitee.get_by_label("Yes").check()
    invitee.get_by_label("Email for a reminder (optional)").fill("callee@example.org")
    invitee.get_by_role("button", name="Send my answer").click()
    invitee.locator("[data-rsvp-answer]").get_by_text("Yes").wait_for()
    invitee.context.close()
    page.goto(f"/gatherings/{gathering.pk}/")
    assert "1 yes" in page.inner_text("main")

    # The reminder falls due: beat's dispatch sends it once, however often it runs.
    gathering.refresh_from_db()
    mailings_send(now=gathering.starts_at - timedelta(hours=2))
    mailings_send(now=gathering.starts_at - timedelta(hours=2))
    [reminder] = mail.outbox
    assert reminder.to == ["callee@example.org"] and reminder.subject.startswith(
        "Reminder: Community gathering"
    )
    mail.outbox.clear()

    # The evening comes: the host opens the door and loses the connection.
    now = timezone.now()
    Gathering.objects.filter(pk=gathering.pk).update(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(minutes=85)
    )
    invitation = gathering.invitations.get()
    page.goto(f"/gatherings/{gathering.pk}/door/")
    page.wait_for_selector("html[data-offline-ready='1']")
    assert fits(page)
    refused = go_offline(page)

    guest = page.locator(f"li[data-invitation='{invitation.pk}']")
    guest.get_by_role("button", name="Check in").click()
    guest.get_by_text("Here").wait_for()
    guest.get_by_role("button", name="Yes", exact=True).click()
    page.get_by_label("Name").fill("Jo March")
    page.get_by_label("Street address").fill("412 N Juniper St")
    page.get_by_role("button", name="Check in the walk-in").click()
    jo = page.locator("[data-door-walk-ins] li", has_text="Jo March")
    jo.get_by_label("Their email, for a yes").fill("jo.march@example.org")
    jo.get_by_role("button", name="Yes", exact=True).click()
    page.get_by_text("4 attempts wait to sync").wait_for()
    assert Attendee.objects.count() == 0 and mail.outbox == []
    page.reload()  # still offline: the phone's kept page, with what waits in the outbox on it
    jo.get_by_role("button", name="Yes", pressed=True).wait_for()
    assert refused, "the reload must have tried the network and failed"

    # Back online, the outbox syncs once: two attendees, two yeses, two prospects of the host's.
    go_online(page)
    page.get_by_text("Everything is synced.").wait_for(timeout=30_000)
    page.reload()
    page.get_by_text("Everything is synced.").wait_for()
    assert Attendee.objects.count() == 2
    attendees = {a.voter_id: a for a in Attendee.objects.all()}
    assert set(attendees) == {callee.pk, walker.pk}
    assert [a.ask for a in attendees.values()] == ["yes", "yes"]
    prospects = LeaderProfile.objects.filter(recruiter=alice, origin="gathering")
    assert prospects.count() == 2 and Gathering.objects.get().held_at is not None
    assert sorted(p.email for p in prospects) == ["callee@example.org", "jo.march@example.org"]
    assert sorted(m.to[0] for m in mail.outbox) == ["callee@example.org", "jo.march@example.org"]

    # Jo opens the emailed link on her phone and signs up with a name and a password.
    [invite] = [m for m in mail.outbox if m.to == ["jo.march@example.org"]]
    assert "Alice" in invite.subject and invite.body.startswith("Hello Jo,")
    phone = new_tab()
    phone.goto(SIGN_UP_LINK.search(invite.body).group(0))
    assert phone.get_by_placeholder("Email address").input_value() == "jo.march@example.org"
    phone.get_by_placeholder("Password", exact=True).fill(PASSWORD)
    phone.get_by_placeholder("Password (again)").fill(PASSWORD)
    phone.get_by_role("button", name="Sign Up").click()
    phone.get_by_role("heading", name="Hello, Jo").wait_for()
    assert fits(phone)

    # She finds her voter record, so staff can approve her and cut her turf from her home.
    phone.goto("/turf/find-me/")
    phone.get_by_label("First name").fill("Jo")
    phone.get_by_label("Last name").fill("March")
    phone.get_by_label("House number").fill("412")
    phone.get_by_label("Street").fill("Juniper St")
    phone.get_by_label("ZIP code").fill("64468")
    phone.get_by_label("Birth year").fill("1960")
    phone.get_by_role("button", name="Find me").click()
    phone.get_by_text("Found: we have your voter record.").wait_for()

    staff = new_tab()
    sign_in_with_a_code(staff, sam)
    staff.goto("/turf/all/")
    claim = staff.locator(".claim", has_text="jo.march@example.org")
    assert "Alice" in claim.inner_text()
    claim.get_by_role("button", name="Approve and cut their turf").click()
    staff.get_by_text("Approved Jo March and cut their turf.").wait_for()
    assert fits(staff)

    # Jo's home shows her lists.
    phone.goto("/")
    phone.get_by_text("0 of 6 called").wait_for()
    phone.goto("/turf/")
    phone.get_by_role("heading", name="My neighbors").wait_for()
    assert phone.get_by_role("heading", name=re.compile(r"To call \(6\)")).is_visible()
    jo_user = User.objects.get(email="jo.march@example.org")
    assert jo_user.voter_id == walker.pk

    # In the host's tree she is Alice's recruit, and the gathering recruited one who signed up.
    page.goto("/recruits/")
    row = page.locator("tr", has_text="Jo March")
    assert row.locator("td").nth(3).inner_text() == str(alice)
    assert "Turf delivered" in row.inner_text()
    room = page.locator("section", has_text="Gatherings that recruit").locator("tbody tr")
    counts = {
        label: room.locator(f"td[data-label='{label}']").inner_text()
        for label in ("Attended", "Asked", "Yes", "Signed up")
    }
    assert counts == {"Attended": "2", "Asked": "2", "Yes": "2", "Signed up": "1"}
    assert fits(page)
