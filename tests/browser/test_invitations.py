"""Staff invite a neighbor, who signs up from the emailed link, finds their record and gets turf once approved."""

import re

import pytest
from django.core import mail

from tests.browser.test_sign_in import sign_in_with_a_code
from tests.cast import MARYVILLE, make_cycle, make_household, make_neighborhood, make_voter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a long volunteer passphrase 2028"


def test_an_invited_neighbor_signs_up_finds_their_record_and_gets_turf_once_approved(
    new_tab, page, sam, settings
):
    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 6, 10
    make_cycle()
    make_neighborhood(MARYVILLE, households=30)
    make_voter(make_household(MARYVILLE, number=104, street="Juniper"), first="Nina", last="Park", phone=True)

    # Staff invite Nina by name and email from the app.
    sign_in_with_a_code(page, sam)
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Invite").click()
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Park")
    page.get_by_label("Email").fill("nina@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Sent Nina a sign-up link").wait_for()
    first_link = re.search(r"https?://\S+/join/\S+/", mail.outbox[-1].body).group(0)

    # She is a prospect now; staff send her a new link from the prospects list, and the first one dies.
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Prospects").click()
    row = page.locator("tr", has_text="Nina Park")
    assert "Invited" in row.inner_text() and "Sam" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    row.get_by_role("button", name="Send a new link").click()
    page.get_by_text("Sent Nina Park a sign-up link").wait_for()
    link = re.search(r"https?://\S+/join/\S+/", mail.outbox[-1].body).group(0)
    assert link != first_link

    # Nina opens the link on her own phone and signs up with her name.
    phone = new_tab()
    phone.goto(first_link)
    phone.get_by_text("has expired").wait_for()
    phone.goto(link)
    assert phone.get_by_placeholder("Email address").input_value() == "nina@example.org"
    phone.get_by_placeholder("Phone (optional)").fill("660 555 0142")
    phone.get_by_placeholder("Password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_placeholder("Password (again)").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Sign Up").click()
    phone.get_by_role("heading", name="Hello, Nina").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # She finds her voter record: a wrong detail is "not found", the right ones "found", and nothing else.
    phone.goto("/turf/find-me/")

    def find_me(birth_year: str) -> None:
        phone.get_by_label("First name").fill("Nina")
        phone.get_by_label("Last name").fill("Park")
        phone.get_by_label("House number").fill("104")
        phone.get_by_label("Street").fill("Juniper St")
        phone.get_by_label("ZIP code").fill("64468")
        phone.get_by_label("Birth year").fill(birth_year)
        phone.get_by_role("button", name="Find me").click()

    find_me("1959")
    phone.get_by_text("Not found.").wait_for()
    find_me("1960")
    phone.get_by_text("Found: we have your voter record.").wait_for()
    assert "Juniper" not in phone.content()

    # Staff see the account next to the record it claims, and approve: that cuts her turf.
    page.goto("/turf/all/")
    claim = page.locator(".claim", has_text="nina@example.org")
    for shown in ("Nina Park", "6605550142", "Sam", "104 Juniper", "1960", "unverified claim"):
        assert shown in claim.inner_text(), shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    claim.get_by_role("button", name="Approve and cut their turf").click()
    page.get_by_text("Approved Nina Park and cut their turf.").wait_for()

    # Nina now sees her lists.
    phone.goto("/turf/")
    phone.get_by_role("heading", name="My neighbors").wait_for()
    assert phone.get_by_role("heading", name=re.compile(r"To call \(6\)")).is_visible()
    phone.context.close()

    # In the recruitment tree she is one of Sam's, and her page dates each step of the way.
    page.goto("/recruits/")
    row = page.locator("tr", has_text="Nina Park")
    assert "Turf delivered" in row.inner_text() and "Sam" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    row.get_by_role("link", name="Nina Park").click()
    history = page.locator("table").inner_text()
    for stage in ("Prospect", "Invited", "Signed up", "Approved", "Turf delivered"):
        assert stage in history, stage
