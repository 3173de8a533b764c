"""Leaders join by invitation: a single-use, expiring link emailed by staff or a county's coordinator."""

import re
import threading
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leaders.models import Invitation, User
from tests.cast import MARYVILLE, make_client, make_household, make_voter

NEW_PASSWORD = "a long volunteer passphrase 2028"


def invite(inviter: User, email: str = "nina@example.org", county: str = "Nodaway", **extra):
    data = {"first_name": "Nina", "last_name": "Park", "email": email, "county": county} | extra
    return make_client(inviter).post(reverse("leaders:invitations"), data)


def emailed_link() -> str:
    return re.search(r"https?://\S+/join/\S+/", mail.outbox[-1].body).group(0)


def sign_up(client: Client, email: str = "nina@example.org", **extra):
    data = {"first_name": "Nina", "last_name": "Park", "email": email, "phone": "(660) 555-0142",
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD} | extra  # fmt: skip
    return client.post(reverse("account_signup"), data)


def test_sign_up_is_closed_to_strangers_by_default(db, settings):
    client = Client()
    page = client.get(reverse("account_signup"))
    assert "Sign-up is by invitation" in page.text
    sign_up(client, email="stranger@example.org")
    assert not User.objects.filter(email="stranger@example.org").exists()


def test_staff_invite_a_person_whose_link_signs_them_up_with_a_verified_email(sam):
    assert invite(sam).status_code == 302
    assert mail.outbox[-1].to == ["nina@example.org"]
    assert "Nina" in mail.outbox[-1].body
    client = Client()
    response = client.get(emailed_link())
    assert response.status_code == 302 and response.url == reverse("account_signup")
    assert client.get(reverse("account_signup")).context["form"].initial["email"] == "nina@example.org"
    response = sign_up(client)
    assert response.status_code == 302
    nina = User.objects.get(email="nina@example.org")
    assert (nina.first_name, nina.last_name, nina.phone) == ("Nina", "Park", "6605550142")
    assert nina.profile.recruiter == sam and nina.is_leader and nina.voter is None
    assert EmailAddress.objects.get(user=nina).verified
    assert Invitation.objects.get().account == nina
    # Signed in straight away, and the app calls her by her name, not her email.
    home = client.get(reverse("home"))
    assert home.context["user"] == nina
    assert "Nina Park" in home.text and "nina@example.org" not in home.text


def test_a_used_link_is_refused_and_makes_no_second_account(sam):
    invite(sam)
    link = emailed_link()
    first, second = Client(), Client()
    first.get(link)
    second.get(link)  # opened in another browser before the first signed up
    sign_up(first)
    refused = Client().get(link)
    assert refused.status_code == 410 and "used already" in refused.text
    sign_up(second, email="nina.second@example.org")
    sign_up(second)
    assert list(User.objects.filter(email__startswith="nina").values_list("email", flat=True)) == [
        "nina@example.org"
    ]
    assert Invitation.objects.get().account.email == "nina@example.org"


def test_an_expired_or_tampered_link_is_refused(sam):
    invite(sam)
    link = emailed_link()
    tampered = Client().get(link[:-3] + "xx/")
    assert tampered.status_code == 404 and "not valid" in tampered.text
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client = Client()
    expired = client.get(link)
    assert expired.status_code == 410 and "expired" in expired.text
    sign_up(client)
    assert not User.objects.filter(email="nina@example.org").exists()


def test_the_link_signs_up_only_the_address_it_was_sent_to(sam):
    invite(sam)
    client = Client()
    client.get(emailed_link())
    response = sign_up(client, email="someone.else@example.org")
    assert "the address you were invited at" in response.text
    assert not User.objects.filter(email="someone.else@example.org").exists()


def test_a_coordinator_invites_only_into_their_counties_and_leaders_not_at_all(carol, alice):
    assert invite(carol, county="Boone").status_code == 400
    assert invite(carol, county="Nodaway").status_code == 302
    assert Invitation.objects.get().county == "Nodaway"
    assert invite(alice).status_code == 404
    assert Invitation.objects.count() == 1


def test_nobody_is_invited_twice_into_an_account(sam, alice):
    assert invite(sam, email=alice.email).status_code == 400
    assert not Invitation.objects.exists() and not mail.outbox


def test_each_inviter_lists_only_the_invitations_in_their_scope(sam, carol, dave):
    invite(carol, email="nodaway@example.org")
    invite(dave, email="boone@example.org", county="Boone")
    assert "nodaway@example.org" in make_client(sam).get(reverse("leaders:invitations")).text
    page = make_client(carol).get(reverse("leaders:invitations")).text
    assert "nodaway@example.org" in page and "boone@example.org" not in page


def test_open_sign_up_makes_a_prospect_who_sees_no_voter_data(db, settings):
    settings.ACCOUNT_ALLOW_SIGNUPS = True
    stranger = make_voter(make_household(MARYVILLE, number=104, street="Juniper"), first="Carl", last="Smith")
    client = Client()
    sign_up(client, email="prospect@example.org")
    prospect = User.objects.get(email="prospect@example.org")
    assert prospect.profile.recruiter is None and prospect.voter is None
    assert prospect.profile.origin == "self_signup" and prospect.profile.stage == "signed_up"
    assert not EmailAddress.objects.get(user=prospect).verified  # confirmed by the usual email
    prospect_client = make_client(prospect)
    assert prospect_client.get(reverse("turf:mine")).url == reverse("turf:find_me")
    search = {"first_name": "Carl", "last_name": "Smith", "zip_code": "64468"}
    page = prospect_client.get(reverse("turf:find_me"), search)
    assert "Juniper" not in page.text and str(stranger.birth_year) not in page.text


@pytest.mark.django_db(transaction=True)
def test_a_sign_up_sent_twice_at_once_makes_one_account_and_no_server_error(sam):
    """A double tap on a slow phone: both taps pass the form's checks before either account exists."""
    invite(sam)
    link = emailed_link()
    clients = [Client(raise_request_exception=False) for _ in range(6)]
    for client in clients:
        client.get(link)
    start, codes = threading.Barrier(len(clients)), []

    def tap(client):
        try:
            start.wait(10)
            response = sign_up(client)
            codes.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(client,)) for client in clients]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(codes) == len(clients) and 500 not in [code for code, _ in codes], codes
        assert [location for _, location in codes].count(reverse("home")) == 1, codes
        assert User.objects.filter(email="nina@example.org").count() == 1
    finally:
        cache.clear()  # the cache table is not flushed between transactional tests


def revoke(user: User, invitation: Invitation):
    return make_client(user).post(reverse("leaders:invitation_revoke", args=[invitation.pk]))


def test_a_revoked_link_is_refused_like_an_expired_one_and_writes_nothing(sam, carol):
    invite(carol)
    link = emailed_link()
    opened = Client()
    opened.get(link)  # opened before it was revoked: the sign-up form must not take it either
    invitation = Invitation.objects.get()
    assert revoke(sam, invitation).status_code == 302
    invitation.refresh_from_db()
    assert (invitation.revoked_by, invitation.status) == (sam, "Revoked")
    assert invitation.revoked_at is not None
    client = Client()
    refused = client.get(link)
    assert refused.status_code == 410 and "expired" in refused.text
    assert not client.session.keys()
    sign_up(client)
    sign_up(opened)
    assert not User.objects.filter(email="nina@example.org").exists()
    assert "Revoked" in make_client(carol).get(reverse("leaders:invitations")).text


def test_a_coordinator_revokes_in_their_counties_only_and_a_used_link_stays(sam, carol, dave, alice):
    invite(carol)
    invitation = Invitation.objects.get()
    assert revoke(dave, invitation).status_code == 404
    assert revoke(alice, invitation).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    client = Client()
    client.get(emailed_link())
    sign_up(client)
    assert revoke(carol, invitation).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is None and invitation.account.email == "nina@example.org"
