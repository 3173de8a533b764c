"""`manage.py demo_totp sam` prints the demo account's current TOTP code, so no authenticator is needed."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from leaders.demo import DEMO_PASSWORD, create_demo_accounts
from tests.cast import make_sam


def demo_totp(*args) -> str:
    out = io.StringIO()
    call_command("demo_totp", *args, stdout=out)
    return out.getvalue().strip()


def test_it_prints_a_code_that_signs_the_demo_staff_account_in(db):
    create_demo_accounts()
    code = demo_totp("sam")
    assert code.isdigit() and len(code) == 6

    client = Client()
    signed_in = client.post(reverse("account_login"), {"login": "sam@example.org", "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("home")).context["user"].email == "sam@example.org"


def test_it_takes_the_full_demo_email_too(db):
    create_demo_accounts()
    assert demo_totp("carol@example.org").isdigit()


def test_it_refuses_an_account_that_is_not_a_demo_account(db):
    make_sam()  # a real account, sam@example.org in the test cast, is not made by the demo
    with pytest.raises(CommandError, match="not a demo account"):
        demo_totp("someone@party.org")


def test_it_says_a_leader_has_no_second_factor(db):
    create_demo_accounts()
    with pytest.raises(CommandError, match="no TOTP"):
        demo_totp("alice")
