"""The invitee's private link: answering, the waitlist, and links that must not work."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import Gathering, Invitation
from events.services import gathering_update, invitation_answer, invitation_new_link
from leaders.models import User
from tests.cast import make_gathering, make_household, make_user, make_voter


@pytest.fixture
def invitation(alice, lists):
    gathering = make_gathering(alice, capacity=2, notes="Park on the street")
    return Invitation.objects.create(gathering=gathering, voter=lists.calls[0], invited_by=alice)


def _url(invitation, name="events:rsvp"):
    return reverse(name, args=[invitation.link_token()])


def test_the_invitee_sees_what_when_where_and_answers(invitation):
    client = Client()
    page = client.get(_url(invitation)).text
    assert "House meeting" in page and "The Lions Club" in page and "Park on the street" in page
    response = client.post(_url(invitation), {"rsvp": "yes", "email": "Pat@Example.org", "phone": ""})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.rsvp, invitation.email, invitation.is_waitlisted) == ("yes", "pat@example.org", False)
    assert "Your answer: <strong>Yes</strong>" in client.get(_url(invitation)).text


def test_the_page_names_nobody_but_the_invitee_and_the_hosts_first_name(invitation, alice, lists):
    User.objects.filter(pk=alice.pk).update(last_name="Hostsurname")
    other = lists.calls[1]
    type(other).objects.filter(pk=other.pk).update(first_name="OTHERGUEST", last_name="Otherfamily")
    type(other).objects.filter(pk=invitation.voter_id).update(last_name="Ownfamily")
    Invitation.objects.create(gathering=invitation.gathering, voter=other, invited_by=alice, rsvp="yes")
    page = Client().get(_url(invitation)).text
    assert "Alice" in page and "Hostsurname" not in page and alice.email not in page
    assert "Otherguest" not in page and "OTHERGUEST" not in page and "Otherfamily" not in page
    assert "Ownfamily" not in page and "1 yes" not in page


def test_the_calendar_file_has_a_stable_uid(invitation):
    first = Client().get(_url(invitation, "events:rsvp_calendar"))
    assert first["Content-Type"] == "text/calendar"
    body = first.content.decode()
    assert f"UID:{invitation.gathering.uid}@" in body and "SEQUENCE:0" in body and "METHOD:PUBLISH" in body


def test_a_malformed_email_gets_a_clear_message_and_writes_nothing(invitation):
    response = Client().post(_url(invitation), {"rsvp": "yes", "email": "pat@", "phone": ""})
    assert "Enter a valid email address." in response.text
    invitation.refresh_from_db()
    assert (invitation.rsvp, invitation.email) == ("invited", "")


def test_a_tampered_link_gets_a_clear_page_and_writes_nothing(invitation, lists, alice):
    other = Invitation.objects.create(gathering=invitation.gathering, voter=lists.calls[1], invited_by=alice)
    token = invitation.link_token()
    forged = f"{other.pk}:{token.partition(':')[2]}"  # someone else's id under this link's signature
    for bad in (forged, token[:-2] + "xx", "junk", "99999999999999999999:abc"):
        response = Client().post(reverse("events:rsvp", args=[bad]), {"rsvp": "no"})
        assert response.status_code == 410 and "This link is not valid" in response.text
    assert set(Invitation.objects.values_list("rsvp", flat=True)) == {"invited"}


def test_a_link_replaced_by_a_newer_one_is_refused(invitation):
    old = _url(invitation)
    invitation_new_link(invitation=invitation)
    response = Client().post(old, {"rsvp": "yes"})
    assert response.status_code == 410 and "replaced by a newer one" in response.text
    assert Client().get(_url(invitation)).status_code == 200
    invitation.refresh_from_db()
    assert invitation.rsvp == "invited"


def test_a_link_replayed_after_the_gathering_is_refused(invitation):
    url = _url(invitation)
    Client().post(url, {"rsvp": "yes"})
    ended = timezone.now() - timedelta(hours=1)
    Gathering.objects.filter(pk=invitation.gathering_id).update(
        starts_at=ended - timedelta(hours=2), ends_at=ended
    )
    response = Client().post(url, {"rsvp": "no"})
    assert response.status_code == 410 and "This gathering is over" in response.text
    invitation.refresh_from_db()
    assert invitation.rsvp == "yes"


def test_a_cancelled_gathering_shows_it_and_takes_no_answer(invitation):
    Gathering.objects.filter(pk=invitation.gathering_id).update(cancelled_at=timezone.now())
    assert "had to cancel" in Client().get(_url(invitation)).text
    assert Client().post(_url(invitation), {"rsvp": "yes"}).status_code == 410
    invitation.refresh_from_db()
    assert invitation.rsvp == "invited"


def test_answers_and_refused_links_are_rate_limited_per_address(invitation, settings):
    settings.RSVP_RATE_LIMIT_PER_MINUTE = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    guesses = [
        client.get(reverse("events:rsvp", args=[f"{invitation.pk}:guess{n}"])).status_code for n in range(2)
    ]
    answers = [client.post(_url(invitation), {"rsvp": "no"}).status_code for _ in range(2)]
    assert guesses + answers == [410, 410, 302, 429]
    assert client.get(reverse("events:rsvp", args=["another-guess"])).status_code == 429
    assert client.get(_url(invitation)).status_code == 200  # reading one's own page is never counted
    assert Client(REMOTE_ADDR="203.0.113.10").post(_url(invitation), {"rsvp": "yes"}).status_code == 302


# --- seats and the waitlist ------------------------------------------------------------------------


def test_a_yes_beyond_capacity_waits_and_a_freed_seat_goes_to_the_first_waiting(alice, lists):
    gathering = make_gathering(alice, capacity=1)
    extra = [make_voter(make_household((40.35, -94.87))) for _ in range(2)]
    first, second, third = (
        Invitation.objects.create(gathering=gathering, voter=voter, invited_by=alice)
        for voter in [lists.calls[0], *extra]
    )
    for invitation in (first, second, third):
        invitation_answer(invitation=invitation, rsvp="yes")
    assert [
        i.is_waitlisted
        for i in Invitation.objects.filter(pk__in=[first.pk, second.pk, third.pk]).order_by("pk")
    ] == [False, True, True]
    waiting_page = Client().get(reverse("events:rsvp", args=[second.link_token()])).text
    assert "you are on the waitlist" in waiting_page

    invitation_answer(invitation=first, rsvp="no")
    second.refresh_from_db(), third.refresh_from_db()
    assert (second.is_waitlisted, third.is_waitlisted) == (False, True)


@pytest.mark.django_db(transaction=True)
def test_twenty_yeses_at_once_fill_ten_seats_and_wait_for_the_rest():
    host = make_user("host@example.org", role=User.Role.LEADER)
    gathering = make_gathering(host, capacity=10)
    home = make_household((40.3461, -94.8725))
    invitations = [
        Invitation.objects.create(gathering=gathering, voter=make_voter(home), invited_by=host)
        for _ in range(20)
    ]
    errors = []

    def answer(invitation):
        try:
            invitation_answer(invitation=invitation, rsvp="yes")
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=[invitation]) for invitation in invitations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert gathering.invitations.seated().count() == 10 and gathering.invitations.waitlisted().count() == 10


def test_a_larger_room_seats_the_first_waiting(alice, lists):

    gathering = make_gathering(alice, capacity=1)
    first, second = (
        Invitation.objects.create(gathering=gathering, voter=voter, invited_by=alice)
        for voter in lists.calls[:2]
    )
    invitation_answer(invitation=first, rsvp="yes")
    invitation_answer(invitation=second, rsvp="yes")
    assert Invitation.objects.get(pk=second.pk).is_waitlisted
    gathering.capacity = 2
    gathering_update(gathering=gathering)
    assert not Invitation.objects.get(pk=second.pk).is_waitlisted
