"""A coordinator and staff open their home page on a phone: their leaders fit at 320 px, and staff reach the admin."""

import pytest

from leaders.models import User
from tests.cast import make_lists
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_coordinator_sees_their_leaders_at_320_px(page, live_server, carol, alice, bob, tmp_path):
    make_lists(alice, bob)
    User.objects.filter(pk=alice.pk).update(
        first_name="Alexandrina-Wilhelmina", last_name="Featherstonehaugh"
    )
    sign_in_browser(page, carol, live_server.url)

    for width in (320, 360):
        page.set_viewport_size({"width": width, "height": 740})
        page.goto("/")
        page.get_by_role("heading", name="What needs you today").wait_for()
        assert page.get_by_text("Alexandrina-Wilhelmina Featherstonehaugh").first.is_visible()
        assert page_width(page) <= width
    page.screenshot(path=tmp_path / "coordinator-home-360.png", full_page=True)


def test_staff_open_the_admin_from_their_home_page_without_being_superusers(page, live_server, sam):
    assert not sam.is_superuser
    sign_in_browser(page, sam, live_server.url)
    page.goto("/")
    assert page_width(page) <= 360

    page.locator("main").get_by_role("link", name="people, roles and accounts").click()

    page.get_by_role("link", name="Users").first.wait_for()
    assert "permission to view or edit anything" not in page.content()
