"""A coordinator types a walk sheet in with the keyboard alone."""

import pytest

from contacts.models import ContactAttempt, PartyID
from tests.cast import make_lists
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_enters_two_doors_without_touching_the_mouse(page, live_server, alice, bob, carol):
    lists = make_lists(alice, bob)
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in_browser(page, carol, live_server.url)
    page.goto(f"/turf/{lists.alice_turf.pk}/paper/")
    page.get_by_label(f"Result at {lists.homes[0].street_line}").focus()
    keyboard = page.keyboard
    keyboard.press("t")  # Talked
    keyboard.press("Tab")
    keyboard.type("1")  # one key per person moves on by itself
    keyboard.type("4")
    keyboard.press("n")  # the next door's result: Not home
    keyboard.press("Tab")
    keyboard.press("Enter")
    page.get_by_text("Saved 2 results from the sheet.").wait_for()
    attempts = ContactAttempt.objects.order_by("household__house_number")
    assert [(a.household, a.result, a.channel) for a in attempts] == [
        (lists.homes[0], "talked", "paper"), (lists.homes[1], "not_home", "paper"),
    ]  # fmt: skip
    assert sorted(PartyID.objects.values_list("value", flat=True)) == [1, 4]


def test_going_back_and_saving_the_sheet_again_records_it_once_with_its_ids(
    page, live_server, alice, bob, carol
):
    lists = make_lists(alice, bob)
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in_browser(page, carol, live_server.url)
    page.goto(f"/turf/{lists.alice_turf.pk}/paper/")
    page.get_by_label(f"Result at {lists.homes[0].street_line}").select_option("talked")
    page.locator(".paper-table .id-input").first.fill("2")
    page.get_by_label(f"Result at {lists.homes[1].street_line}").select_option("not_home")
    page.get_by_role("button", name="Save the sheet").click()
    page.get_by_text("Saved 2 results from the sheet.").wait_for()
    page.go_back()
    page.get_by_role("button", name="Save the sheet").click()
    page.get_by_text("Saved 0 results from the sheet").wait_for()
    attempts = ContactAttempt.objects.order_by("household__house_number")
    assert [(a.household, a.result) for a in attempts] == [
        (lists.homes[0], "talked"),
        (lists.homes[1], "not_home"),
    ]
    assert list(PartyID.objects.values_list("attempt__household", "value")) == [(lists.homes[0].pk, 2)]
