"""Role changes in the admin ask for the password again, as exports and candidate approvals do (SECURITY.md)."""

import pytest
from allauth.account import app_settings as allauth_settings
from django.urls import reverse

from leaders.models import User
from tests.cast import PASSWORD, make_client

pytestmark = pytest.mark.django_db


def reauthenticated(user: User, *, seconds_ago: int = 0):
    client = make_client(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    session = client.session
    records = session["account_authentication_methods"]
    assert records, "the password was not taken"
    for record in records:
        record["at"] -= seconds_ago
    session["account_authentication_methods"] = records
    session.save()
    return client


def promote(client, person: User, role: str, **fields):
    data = {"email": person.email, "first_name": person.first_name, "last_name": person.last_name,
            "phone": "", "role": role, "counties": fields.pop("counties", ""), "is_active": "on"} | fields  # fmt: skip
    return client.post(reverse("admin:leaders_user_change", args=[person.pk]), data)


OLDER_THAN_THE_WINDOW = allauth_settings.REAUTHENTICATION_TIMEOUT + 60


@pytest.mark.parametrize(
    ("role", "fields"),
    [
        ("staff", {}),
        ("coordinator", {"counties": "Boone"}),
        ("candidate", {}),
        ("leader", {"is_superuser": "on"}),
    ],
)
def test_a_stale_staff_session_is_sent_to_re_authenticate_and_nothing_changes(sam, alice, role, fields):
    for client in (make_client(sam), reauthenticated(sam, seconds_ago=OLDER_THAN_THE_WINDOW)):
        response = promote(client, alice, role, **dict(fields))
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        alice.refresh_from_db()
        assert (alice.role, alice.counties, alice.is_superuser) == ("leader", [], False)


def test_after_the_password_again_the_role_changes(sam, alice):
    response = promote(reauthenticated(sam), alice, "coordinator", counties="Boone")
    assert response.status_code == 302 and not response["Location"].startswith(
        reverse("account_reauthenticate")
    )
    alice.refresh_from_db()
    assert (alice.role, alice.counties) == ("coordinator", ["Boone"])


def test_making_a_staff_account_in_the_admin_asks_for_the_password_again(sam):
    data = {"email": "new.staff@example.org", "role": "staff", "counties": "",
            "password1": "a long staff passphrase 2028", "password2": "a long staff passphrase 2028"}  # fmt: skip
    url = reverse("admin:leaders_user_add")
    response = make_client(sam).post(url, data)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not User.objects.filter(email="new.staff@example.org").exists()
    reauthenticated(sam).post(url, data)
    assert User.objects.get(email="new.staff@example.org").is_state_staff


def test_removing_someones_second_factor_in_the_admin_asks_for_the_password_again(sam, carol):
    """Deleting a coordinator's authenticator opens their account to a password alone until set-up."""
    from allauth.mfa.models import Authenticator

    totp = Authenticator.objects.get(user=carol)
    one = reverse("admin:mfa_authenticator_delete", args=[totp.pk])
    bulk = reverse("admin:mfa_authenticator_changelist")
    action = {"action": "delete_selected", "_selected_action": [totp.pk], "post": "yes"}
    for client in (make_client(sam), reauthenticated(sam, seconds_ago=OLDER_THAN_THE_WINDOW)):
        for url, data in ((one, {"post": "yes"}), (bulk, action)):
            response = client.post(url, data)
            assert response["Location"].startswith(reverse("account_reauthenticate")), url
            assert Authenticator.objects.filter(pk=totp.pk).exists()
    reauthenticated(sam).post(one, {"post": "yes"})
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
