"""Sign-in, MFA enforcement, rate limits and session lifetimes, through HTTP."""

import io
import re
import time

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leaders.models import User
from tests.cast import PASSWORD, make_client, make_user
from tests.sign_in import totp_code, totp_code_for


def login(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_it_signs_a_leader_in_with_email_and_password(alice):
    client = Client()
    response = login(client, alice.email)
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == alice


def test_it_asks_staff_for_a_totp_code_after_the_password(sam):
    client = Client()
    response = login(client, sam.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get(reverse("home")).context["user"].is_authenticated

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(sam)})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == sam


def test_it_refuses_a_replayed_totp_code(sam):
    code = totp_code(sam)
    first, second = Client(), Client()
    login(first, sam.email)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    login(second, sam.email)
    response = second.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert not second.get(reverse("home")).context["user"].is_authenticated


def test_it_sends_privileged_users_without_mfa_to_set_it_up(db):
    for role in (User.Role.STAFF, User.Role.COORDINATOR, User.Role.CANDIDATE):
        user = make_user(f"{role}@example.org", role=role, counties=["Nodaway"], mfa=False)
        response = make_client(user).get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_it_refuses_a_code_from_a_period_gone_by_and_a_code_used_once_already(sam):
    client = Client()
    login(client, sam.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(sam, steps_ago=1)})
    assert not client.get(reverse("home")).context["user"].is_authenticated

    code = totp_code(sam)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("home")).context["user"] == sam

    again = Client()
    login(again, sam.email)
    again.post(reverse("mfa_authenticate"), {"code": code})  # a code watched over the shoulder
    assert not again.get(reverse("home")).context["user"].is_authenticated


def test_it_lets_a_privileged_user_reach_the_app_once_totp_is_enabled(db):
    carol = make_user("carol@example.org", role=User.Role.COORDINATOR, counties=["Nodaway"], mfa=False)
    client = Client()
    login(client, carol.email)
    assert client.get(reverse("home"))["Location"].startswith(reverse("mfa_activate_totp"))
    # allauth asks for the password again before any change to a second factor.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    code = totp_code_for(secret)
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert carol.has_totp()
    assert client.get(reverse("home")).status_code == 200


def test_it_gives_new_totp_users_recovery_codes(db):
    cathy = make_user("cathy@example.org", role=User.Role.CANDIDATE, mfa=False)
    client = Client()
    login(client, cathy.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    code = totp_code_for(secret)
    client.post(reverse("mfa_activate_totp"), {"code": code})
    assert Authenticator.objects.filter(user=cathy, type=Authenticator.Type.RECOVERY_CODES).exists()


def test_it_does_not_let_staff_switch_their_totp_off(sam):
    client = make_client(sam)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert sam.has_totp()


def test_it_lets_a_leader_switch_their_optional_totp_off(alice):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(alice, generate_totp_secret())
    client = make_client(alice)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert not alice.has_totp()


def test_it_does_not_require_mfa_of_leaders(alice):
    assert make_client(alice).get(reverse("home")).status_code == 200


def test_it_sends_the_admin_login_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_locks_an_account_after_five_failed_logins(alice):
    for _ in range(5):
        assert login(Client(), alice.email, "wrong password").status_code == 200
    response = login(Client(), alice.email)
    assert response.status_code == 429 or "Too many failed login attempts" in response.text
    assert not Client().get(reverse("home")).context["user"].is_authenticated


def test_a_strangers_failures_from_another_address_do_not_lock_the_owner_out(alice):
    for _ in range(12):
        login(Client(REMOTE_ADDR="198.51.100.66"), alice.email, "guess")
    owner = Client(REMOTE_ADDR="203.0.113.20")
    assert login(owner, alice.email).status_code == 302
    assert owner.get(reverse("home")).context["user"] == alice


def test_it_stops_guessing_from_one_address_after_five_failures(alice):
    for _ in range(5):
        assert login(Client(REMOTE_ADDR="198.51.100.66"), alice.email, "guess").status_code == 200
    guesser = Client(REMOTE_ADDR="198.51.100.66")
    response = login(guesser, alice.email)  # even the right password, once the address is throttled
    assert "Too many failed login attempts" in response.text
    assert not guesser.get(reverse("home")).context["user"].is_authenticated


def test_a_guesser_spread_over_many_addresses_hits_the_account_ceiling_but_the_owner_gets_in(alice):
    home = Client(REMOTE_ADDR="203.0.113.20")
    assert login(home, alice.email).status_code == 302  # the owner has signed in from home before
    for n in range(40):
        login(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), alice.email, "guess")
    stranger = Client(REMOTE_ADDR="192.0.2.77")
    assert "Too many failed login attempts" in login(stranger, alice.email).text
    assert not stranger.get(reverse("home")).context["user"].is_authenticated
    owner = Client(REMOTE_ADDR="203.0.113.20")
    assert login(owner, alice.email).status_code == 302
    assert owner.get(reverse("home")).context["user"] == alice


def test_an_owner_locked_out_at_a_new_address_signs_in_with_a_code_mailed_to_them(alice, mailoutbox):
    for n in range(40):
        login(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), alice.email, "guess")
    phone = Client(REMOTE_ADDR="192.0.2.88")  # a new mobile address: the password way is shut
    locked = login(phone, alice.email)
    assert "Too many failed login attempts" in locked.text
    assert reverse("account_request_login_code") in locked.text  # and the page says what to do
    assert phone.post(reverse("account_request_login_code"), {"email": alice.email}).status_code == 302
    code = re.search(r"^\s*(\w{4}-\w{4})\s*$", mailoutbox[-1].body, re.MULTILINE).group(1)
    assert phone.post(reverse("account_confirm_login_code"), {"code": code}).status_code == 302
    assert phone.get(reverse("home")).context["user"] == alice


def test_a_mailed_code_still_asks_staff_for_their_totp_code(sam, mailoutbox):
    client = Client()
    client.post(reverse("account_request_login_code"), {"email": sam.email})
    code = re.search(r"^\s*(\w{4}-\w{4})\s*$", mailoutbox[-1].body, re.MULTILINE).group(1)
    assert client.post(reverse("account_confirm_login_code"), {"code": code})["Location"] == reverse(
        "mfa_authenticate"
    )
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_it_lets_a_training_room_sign_in_from_one_address(db):
    users = [make_user(f"volunteer{n}@example.org") for n in range(40)]
    for user in users:
        client = Client(REMOTE_ADDR="203.0.113.7")
        assert login(client, user.email).status_code == 302, user.email


def test_it_caps_a_privileged_session_at_twelve_hours(sam, alice):
    staff_client = make_client(sam)
    staff_client.get(reverse("home"))
    assert staff_client.session.get_expiry_age() <= 12 * 3600
    leader_client = make_client(alice)
    leader_client.get(reverse("home"))
    assert leader_client.session.get_expiry_age() > 12 * 3600


def test_it_keeps_the_twelve_hour_cap_fixed_from_sign_in(sam):
    client = make_client(sam)
    client.get(reverse("home"))
    expiry = client.session.get_expiry_date()
    client.get(reverse("home"))
    assert client.session.get_expiry_date() == expiry
    assert expiry <= timezone.now() + timezone.timedelta(hours=12)


def sign_in_with_totp(client: Client, user: User, *, remember: bool):
    data = {"login": user.email, "password": PASSWORD} | ({"remember": "on"} if remember else {})
    assert client.post(reverse("account_login"), data).status_code == 302
    return client.post(reverse("mfa_authenticate"), {"code": totp_code(user)})


def test_a_privileged_session_without_remember_me_is_a_browser_session_cookie(sam):
    client = Client()
    response = sign_in_with_totp(client, sam, remember=False)
    for _ in range(2):
        assert client.get(reverse("home")).context["user"] == sam
        cookie = client.cookies["sessionid"]
        assert cookie["max-age"] == "" and cookie["expires"] == "", cookie.output()
    assert response.cookies["sessionid"]["max-age"] == ""


def test_a_privileged_browser_session_still_ends_on_the_server(sam, settings):
    settings.PRIVILEGED_SESSION_AGE = 2
    client = Client()
    sign_in_with_totp(client, sam, remember=False)
    assert client.get(reverse("home")).context["user"] == sam
    time.sleep(2.2)
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_remember_me_gives_a_privileged_user_at_most_the_privileged_age(sam, settings):
    response = sign_in_with_totp(client := Client(), sam, remember=True)
    assert 0 < int(response.cookies["sessionid"]["max-age"]) <= settings.PRIVILEGED_SESSION_AGE
    client.get(reverse("home"))
    assert client.session.get_expiry_age() <= settings.PRIVILEGED_SESSION_AGE
    assert client.cookies["sessionid"]["expires"] or client.cookies["sessionid"]["max-age"]


def test_remember_me_keeps_a_leader_signed_in_for_thirty_days(alice):
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": alice.email, "password": PASSWORD, "remember": "on"}
    )
    assert int(response.cookies["sessionid"]["max-age"]) == 30 * 24 * 3600
    client.get(reverse("home"))
    assert client.session.get_expiry_age() > 29 * 24 * 3600


def test_it_requires_email_verification_before_sign_in(db):
    user = User.objects.create_user("new@example.org", PASSWORD)
    client = Client()
    response = login(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_it_sends_a_password_reset_email(alice, mailoutbox):
    response = Client().post(reverse("account_reset_password"), {"email": alice.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert alice.email in mailoutbox[0].to


def test_it_signs_out(alice):
    client = make_client(alice)
    client.post(reverse("account_logout"))
    assert not client.get(reverse("home")).context["user"].is_authenticated


# --- second-factor secrets are encrypted at rest ---------------------------------------------------


def _stored_data(user: User) -> dict[str, str]:
    """Each authenticator's data as the database holds it, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, data::text FROM mfa_authenticator WHERE user_id = %s", [user.pk])
        return dict(cursor.fetchall())


def test_it_stores_no_clear_totp_secret_or_recovery_seed(db):
    cathy = make_user("cathy@example.org", role=User.Role.CANDIDATE, mfa=False)
    client = Client()
    login(client, cathy.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    assert client.post(reverse("mfa_activate_totp"), {"code": totp_code_for(secret)}).status_code == 302

    stored = _stored_data(cathy)
    assert secret not in stored["totp"]
    seed = RecoveryCodes.activate(cathy).instance.data["seed"]
    assert get_mfa_adapter().decrypt(seed) not in stored["recovery_codes"]
    assert len(get_mfa_adapter().decrypt(seed)) == 80  # allauth's 40 random bytes, in hex


def test_it_signs_in_with_a_recovery_code_from_encrypted_storage(sam):
    codes = RecoveryCodes.activate(sam).get_unused_codes()
    client = Client()
    login(client, sam.email)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("home")).context["user"] == sam
    assert codes[0] not in RecoveryCodes.activate(sam).get_unused_codes()


def test_it_shows_no_authenticator_secret_in_the_admin(sam):
    sam.is_superuser = True
    sam.save()
    totp = Authenticator.objects.get(user=sam, type=Authenticator.Type.TOTP)
    secret = get_mfa_adapter().decrypt(totp.data["secret"])
    client = Client()
    login(client, sam.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(sam)})
    page = client.get(reverse("admin:mfa_authenticator_change", args=[totp.pk]))
    assert page.status_code == 200
    assert secret not in page.text and totp.data["secret"] not in page.text
    assert '"secret"' not in page.text and "&quot;secret&quot;" not in page.text


def test_reencrypt_mfa_secrets_encrypts_secrets_stored_in_clear_and_they_still_sign_in(db):
    sam = make_user("sam@example.org", role=User.Role.STAFF, mfa=False)
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    Authenticator.objects.create(user=sam, type=Authenticator.Type.TOTP, data={"secret": secret})
    Authenticator.objects.create(
        user=sam, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "ab" * 40, "used_mask": 0}
    )
    call_command("reencrypt_mfa_secrets", stdout=io.StringIO())
    call_command("reencrypt_mfa_secrets", stdout=io.StringIO())  # a second run never encrypts twice

    stored = _stored_data(sam)
    assert secret not in stored["totp"] and "ab" * 40 not in stored["recovery_codes"]
    client = Client()
    login(client, sam.email)
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code_for(secret)}).status_code == 302
    assert client.get(reverse("home")).context["user"] == sam


def test_it_rotates_the_mfa_key_without_locking_anyone_out(sam, settings):
    from cryptography.fernet import Fernet

    old_key, new_key = settings.MFA_ENCRYPTION_KEY, Fernet.generate_key().decode()
    RecoveryCodes.activate(sam)
    code = totp_code(sam)
    settings.MFA_ENCRYPTION_KEY, settings.MFA_ENCRYPTION_KEY_FALLBACKS = new_key, [old_key]
    assert totp_code(sam) == code  # the old key still decrypts while it is a fallback
    call_command("reencrypt_mfa_secrets", stdout=io.StringIO())
    settings.MFA_ENCRYPTION_KEY_FALLBACKS = []
    client = Client()
    login(client, sam.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("home")).context["user"] == sam
    assert len(RecoveryCodes.activate(sam).get_unused_codes()) == 10


def test_the_demo_logins_print_a_totp_uri_that_signs_in(db):
    from urllib.parse import parse_qs, urlsplit

    from leaders.demo import DEMO_PASSWORD, create_demo_accounts, demo_accounts

    create_demo_accounts()
    staff, uri = next((user, uri) for user, uri in demo_accounts() if user.is_state_staff)
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert secret not in _stored_data(staff)["totp"]
    client = Client()
    assert login(client, staff.email, DEMO_PASSWORD).status_code == 302
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code_for(secret)}).status_code == 302
    assert client.get(reverse("home")).context["user"] == staff
