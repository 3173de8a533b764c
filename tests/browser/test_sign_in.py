"""A volunteer and a staffer sign in on a phone-sized screen, in the real browser."""

import pytest

from tests.cast import PASSWORD
from tests.sign_in import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def sign_in_with_a_code(page, user):
    """Sign in as staff, a coordinator or a candidate: password, then the authenticator's code."""
    sign_in(page, user.email)
    page.get_by_label("Code").fill(totp_code(user))
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name=f"Hello, {user.first_name}").wait_for()


def test_a_leader_signs_in_and_finds_the_menu_at_320_pixels(page, alice):
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, alice.email)
    page.get_by_role("heading", name="Hello, Alice").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_text("Menu").click()
    assert page.get_by_role("link", name="Home").is_visible()
    assert page.get_by_role("link", name="Admin").count() == 0


def test_a_staffer_signs_in_with_a_totp_code_and_sees_the_admin_link(page, sam):
    sign_in_with_a_code(page, sam)
    page.get_by_text("Menu").click()
    assert page.get_by_role("navigation").get_by_role("link", name="Admin").is_visible()


def test_pages_load_no_script_the_csp_blocks(page, alice):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, alice.email)
    page.get_by_role("heading", name="Hello, Alice").wait_for()
    page.wait_for_load_state("load")  # the heading can show before the scripts at the end of the page ran
    assert page.evaluate("typeof window.htmx") == "object"
    assert violations == []
