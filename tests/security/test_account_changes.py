"""A session someone else got hold of must not be enough to move an account to their email address."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.cast import PASSWORD, make_client

pytestmark = pytest.mark.django_db


def test_adding_an_email_address_asks_for_the_password_again(alice):
    """A new address, once confirmed, receives the password reset and the sign-in codes: the account's key."""
    client = make_client(alice)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "mallory@example.org"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="mallory@example.org").exists() and not mail.outbox
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("account_email"), {"action_add": "", "email": "mallory@example.org"})
    assert EmailAddress.objects.filter(user=alice, email="mallory@example.org", verified=False).exists()
