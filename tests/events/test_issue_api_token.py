"""manage.py issue_api_token: a token that works for sync, shown once, stored as a hash."""

import io

import pytest
from django.core.management import CommandError, call_command

from events.models import ApiToken
from leaders.models import User
from tests.conftest import make_user


def test_it_prints_a_token_that_finds_its_owner(alice):
    out = io.StringIO()
    call_command("issue_api_token", "ALICE@example.org", "--name", "Alice's phone", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("nl_") and ApiToken.objects.find(raw) == alice
    assert ApiToken.objects.get().name == "Alice's phone"
    assert not ApiToken.objects.filter(digest=raw).exists()


def test_it_refuses_a_privileged_user_without_two_factor(db):
    make_user("nomfa@example.org", role=User.Role.COORDINATOR, counties=["Nodaway"], mfa=False)
    with pytest.raises(CommandError, match="two-factor"):
        call_command("issue_api_token", "nomfa@example.org")
    assert not ApiToken.objects.exists()


def test_a_deactivated_users_token_stops_working(alice):
    _, raw = ApiToken.issue(user=alice, name="phone")
    alice.is_active = False
    alice.save()
    assert ApiToken.objects.find(raw) is None


def test_a_coordinator_token_stops_working_when_two_factor_is_removed(carol):
    _, raw = ApiToken.issue(user=carol, name="laptop")
    assert ApiToken.objects.find(raw) == carol
    carol.authenticator_set.all().delete()
    assert ApiToken.objects.find(raw) is None
