"""API tokens: issued by manage.py issue_api_token, shown once, stored as a hash; they expire and
record their last use; their holder, staff and the holder's coordinator see and revoke them."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leaders.models import ApiToken, User
from tests.cast import make_client, make_user


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


# --- lifetime, last use, and the devices page ------------------------------------------------------


def sync_with(raw: str):
    return Client().post(
        reverse("field:sync"), json.dumps({"attempts": []}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )  # fmt: skip


def test_it_gives_a_token_the_configured_lifetime(alice, settings):
    settings.API_TOKEN_DAYS = 7
    token, _ = ApiToken.issue(user=alice, name="phone")
    assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)


def test_an_expired_token_is_refused_like_a_bad_one(alice):
    token, raw = ApiToken.issue(user=alice, name="phone")
    assert sync_with(raw).status_code != 401  # known (the empty batch itself is refused)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = sync_with(raw)
    assert response.status_code == 401
    assert response.json() == sync_with("nl_not-a-token").json()


def test_it_records_when_a_token_was_last_used_but_not_on_every_request(alice):
    token, raw = ApiToken.issue(user=alice, name="phone")
    assert token.last_used_at is None
    sync_with(raw)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(minutes=1)
    sync_with(raw)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=10))
    sync_with(raw)
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_a_leader_sees_their_devices_and_revokes_one(alice, bob):
    phone, phone_raw = ApiToken.issue(user=alice, name="Alice's phone")
    ApiToken.issue(user=alice, name="Alice's tablet")
    ApiToken.issue(user=bob, name="Bob's phone")
    client = make_client(alice)
    page = client.get(reverse("leaders:devices"))
    assert page.status_code == 200
    assert "Alice&#x27;s phone" in page.text and "Alice&#x27;s tablet" in page.text
    assert "Bob" not in page.text
    response = client.post(reverse("leaders:device_revoke", args=[phone.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("leaders:devices")
    assert sync_with(phone_raw).status_code == 401
    assert "Revoked" in client.get(reverse("leaders:devices")).text


def test_another_leader_cannot_see_or_revoke_a_leaders_devices(alice, bob):
    phone, raw = ApiToken.issue(user=alice, name="Alice's phone")
    client = make_client(bob)
    assert client.post(reverse("leaders:device_revoke", args=[phone.pk])).status_code == 404
    assert client.get(reverse("leaders:person_devices", args=[alice.pk])).status_code == 404
    assert sync_with(raw).status_code != 401  # still works


def test_staff_and_the_county_coordinator_revoke_a_leaders_token(alice, carol, dave, sam, lists):
    phone, raw = ApiToken.issue(user=alice, name="Alice's phone")
    assert make_client(dave).get(reverse("leaders:person_devices", args=[alice.pk])).status_code == 404
    assert make_client(dave).post(reverse("leaders:device_revoke", args=[phone.pk])).status_code == 404
    page = make_client(sam).get(reverse("leaders:person_devices", args=[alice.pk]))
    assert page.status_code == 200 and "Alice&#x27;s phone" in page.text
    response = make_client(carol).post(reverse("leaders:device_revoke", args=[phone.pk]))
    assert response["Location"] == reverse("leaders:person_devices", args=[alice.pk])
    assert sync_with(raw).status_code == 401
    phone.refresh_from_db()
    assert phone.revoked_by == carol


def test_the_coordinator_reaches_a_leaders_devices_from_their_turf(alice, carol, lists):
    page = make_client(carol).get(reverse("turf:detail", args=[lists.alice_turf.pk]))
    assert reverse("leaders:person_devices", args=[alice.pk]) in page.text
    assert reverse("leaders:devices") in make_client(alice).get(reverse("home")).text
