"""The call list and the call screen, and the form post that records a call without JavaScript."""

import uuid

from django.urls import reverse

from contacts.models import ContactAttempt, PartyID, Suppression
from events.models import Invitation
from tests.cast import make_client, make_gathering, make_suppression


def test_it_lists_the_leaders_neighbors_to_call_without_their_numbers(alice, lists):
    response = make_client(alice).get(reverse("field:calls"))
    assert response.status_code == 200
    assert [entry.voter for entry in response.context["entries"]] == lists.calls
    assert "660555" not in response.text  # numbers only on the call screen
    assert response["X-Offline-Page"] == "1"


def test_it_leaves_suppressed_neighbors_off_the_call_list(alice, lists):
    make_suppression(lists.calls[0], Suppression.Reason.DO_NOT_CONTACT)
    response = make_client(alice).get(reverse("field:calls"))
    assert [entry.voter for entry in response.context["entries"]] == [lists.calls[1]]


def test_the_call_screen_shows_a_tel_link_and_the_next_gathering(alice, lists):
    gathering = make_gathering(alice)
    voter = lists.calls[0]
    response = make_client(alice).get(reverse("field:call", args=[voter.pk]))
    assert response.status_code == 200
    assert f'href="tel:+1{voter.phones.get().number}"' in response.text
    assert response.context["gatherings"] == [gathering]
    assert response.context["next_url"] == reverse("field:call", args=[lists.calls[1].pk])


def test_another_leaders_voter_is_404(bob, lists):
    assert make_client(bob).get(reverse("field:call", args=[lists.calls[0].pk])).status_code == 404


def test_a_coordinator_who_can_see_the_voter_gets_403(carol, lists):
    assert make_client(carol).get(reverse("field:call", args=[lists.calls[0].pk])).status_code == 403


def test_a_call_posted_without_javascript_is_recorded_once(alice, lists):
    gathering = make_gathering(alice)
    voter = lists.calls[0]
    form = {
        "uuid": str(uuid.uuid4()), "channel": "phone", "voter": voter.pk, "phone": voter.phones.get().pk,
        "people-0-voter": voter.pk, "people-0-party_id": "1", "gathering": gathering.pk, "rsvp": "maybe",
        "note": "", "result": "talked", "next": reverse("field:calls"),
    }  # fmt: skip
    client = make_client(alice)
    for _ in range(2):
        response = client.post(reverse("field:record"), form)
        assert response.status_code == 302 and response["Location"] == reverse("field:calls")
    assert ContactAttempt.objects.count() == 1
    assert PartyID.objects.get().value == 1
    assert Invitation.objects.get().rsvp == "maybe"


def test_a_button_other_than_save_drops_the_id_picked_before_it(alice, lists):
    voter = lists.calls[0]
    form = {"uuid": str(uuid.uuid4()), "channel": "phone", "voter": voter.pk, "people-0-voter": voter.pk,
            "people-0-party_id": "1", "result": "no_answer"}  # fmt: skip
    make_client(alice).post(reverse("field:record"), form)
    assert ContactAttempt.objects.get().result == "no_answer"
    assert not PartyID.objects.exists()


def test_posting_another_leaders_voter_is_404_and_records_nothing(bob, lists):
    voter = lists.calls[0]
    form = {"uuid": str(uuid.uuid4()), "channel": "phone", "voter": voter.pk, "result": "no_answer"}
    assert make_client(bob).post(reverse("field:record"), form).status_code == 404
    assert not ContactAttempt.objects.exists()


def test_an_unsafe_next_url_is_ignored(alice, lists):
    form = {"uuid": str(uuid.uuid4()), "channel": "phone", "voter": lists.calls[0].pk, "result": "no_answer",
            "next": "https://evil.example/"}  # fmt: skip
    response = make_client(alice).post(reverse("field:record"), form)
    assert response["Location"] == reverse("home")
