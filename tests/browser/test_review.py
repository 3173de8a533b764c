"""A coordinator on a 360 px phone opens the flagged contacts, one flag, and rolls it back."""

from datetime import timedelta

import pytest
from django.urls import reverse

from contacts.models import ContactAttempt, PlausibilityFlag
from contacts.plausibility import flag_implausible
from tests.cast import make_household
from tests.contacts.test_plausibility import FARM, MILE, knocks, offset
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_coordinator_rolls_a_flag_back_at_360_px(page, live_server, alice, carol, tmp_path):
    doors = [make_household(offset(FARM, east_m=i * MILE, north_m=0)) for i in range(4)]
    knocks(alice, doors, every=timedelta(minutes=1), result="talked")
    flag_implausible()
    flag = PlausibilityFlag.objects.get()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in_browser(page, carol, live_server.url)

    page.goto(reverse("dashboard:flags"))
    page.get_by_role("heading", name="Flagged contacts").wait_for()
    page.get_by_role("link", name=flag.reason).click()
    page.get_by_role("heading", name=flag.reason).wait_for()
    assert page.locator("table[data-attempts] tbody tr").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=tmp_path / "flag-360.png", full_page=True)

    # The box is required: without it the browser does not send the form (tests/dashboard/test_review.py
    # checks the server's refusal).
    page.get_by_role("button", name="Roll back these contacts").click()
    assert not ContactAttempt.objects.filter(withdrawn_at__isnull=False).exists()
    page.get_by_label("Withdraw these contacts, their IDs and the suppressions they reported").check()
    page.get_by_role("button", name="Roll back these contacts").click()
    page.get_by_text("Rolled back: 4 contacts and 0 suppressions withdrawn.").wait_for()
    assert ContactAttempt.objects.filter(withdrawn_at__isnull=False).count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert problems == []
