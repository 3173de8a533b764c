"""POST /api/v1/contacts/sync: per-item answers, no duplicates, only the leader's own lists."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactAttempt, PartyID, Phone, Suppression
from events.models import Invitation, LearnedEmail
from leaders.models import ApiToken
from tests.cast import a_call, a_knock, make_client, make_gathering

URL = reverse("field:sync")


def post(client, attempts, **headers):
    return client.post(URL, json.dumps({"attempts": attempts}), content_type="application/json", **headers)


def statuses(response):
    return [(item["status"], item["error"]) for item in response.json()["results"]]


def test_it_records_a_call_with_an_id_and_an_invitation(alice, lists):
    gathering = make_gathering(alice)
    voter = lists.calls[0]
    item = a_call(voter, people=[{"voter": voter.pk, "party_id": 2}], invite={"gathering": gathering.pk, "rsvp": "yes"},
                  note="Bring the casserole")  # fmt: skip
    response = post(make_client(alice), [item])
    assert response.status_code == 200
    assert response.json()["results"] == [{"uuid": item["uuid"], "status": "created", "error": ""}]
    attempt = ContactAttempt.objects.get()
    assert (attempt.leader, attempt.voter, attempt.note, str(attempt.client_uuid)) == (
        alice,
        voter,
        "Bring the casserole",
        item["uuid"],
    )
    assert PartyID.objects.get().value == 2
    invitation = Invitation.objects.get()
    assert (invitation.gathering, invitation.voter, invitation.rsvp, invitation.attempt) == (
        gathering,
        voter,
        "yes",
        attempt,
    )


def test_it_records_a_knock_with_two_ids_and_what_was_learned(alice, lists):
    first, second = lists.door_voters[0], lists.door_voters[1]
    item = a_knock(lists.homes[0], result="talked", people=[
        {"voter": first.pk, "party_id": 1, "know_them": True, "phone": "(660) 555-0199", "email": "Pat@Example.org"},
        {"voter": second.pk, "party_id": 4},
    ])  # fmt: skip
    assert statuses(post(make_client(alice), [item])) == [("created", "")]
    assert dict(PartyID.objects.values_list("voter_id", "value")) == {first.pk: 1, second.pk: 4}
    assert Phone.objects.get(voter=first).number == "6605550199"
    assert LearnedEmail.objects.get().address == "pat@example.org"


def test_a_batch_of_twenty_takes_a_fixed_handful_of_queries(alice, lists, django_assert_max_num_queries):
    _, raw = ApiToken.issue(user=alice, name="Phone")
    batch = [a_knock(home, result="talked", people=[{"voter": voter.pk, "party_id": 1 + i % 5}])
             for i, (home, voter) in enumerate(zip(lists.homes * 5, lists.door_voters[::2] * 5, strict=True))]  # fmt: skip
    batch += [a_call(lists.calls[i % 2], result="no_answer") for i in range(10)]
    # A token's first use in a few minutes also records it (tests/leaders/test_api_tokens.py);
    # a phone syncing all day pays that once every few minutes, not per batch.
    post(Client(), [], HTTP_AUTHORIZATION=f"Bearer {raw}")
    # The token, one scope check for the whole batch, one statement for the attempts and their IDs,
    # and the savepoint that stands in for the transaction inside the test's own.
    with django_assert_max_num_queries(5):
        response = post(Client(), batch, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [status for status, _ in statuses(response)] == ["created"] * 20
    assert PartyID.objects.count() == 10


def test_a_replayed_batch_creates_nothing_new(alice, lists):
    batch = [a_knock(lists.homes[0]), a_call(lists.calls[0], result="no_answer")]
    client = make_client(alice)
    assert [s for s, _ in statuses(post(client, batch))] == ["created", "created"]
    assert [s for s, _ in statuses(post(client, batch))] == ["duplicate", "duplicate"]
    assert ContactAttempt.objects.count() == 2


def test_it_rejects_a_voter_on_another_leaders_list_and_keeps_the_rest(alice, lists):
    foreign = a_call(lists.bobs_voter, result="no_answer")
    mine = a_call(lists.calls[0], result="no_answer")
    response = post(make_client(alice), [foreign, mine])
    assert statuses(response) == [
        ("rejected", f"Voter {lists.bobs_voter.pk} is not on your lists."),
        ("created", ""),
    ]
    assert list(ContactAttempt.objects.values_list("voter_id", flat=True)) == [lists.calls[0].pk]


def test_it_rejects_a_household_not_on_the_list_and_people_who_do_not_live_there(alice, bob, lists):
    other_home = lists.bobs_voter.household
    elsewhere = a_knock(
        lists.homes[0], result="talked", people=[{"voter": lists.door_voters[2].pk, "party_id": 1}]
    )
    response = post(make_client(alice), [a_knock(other_home), elsewhere])
    assert statuses(response) == [
        ("rejected", f"Household {other_home.pk} is not on your lists."),
        ("rejected", "Everyone named at a door must live there."),
    ]
    assert statuses(post(make_client(bob), [a_knock(lists.homes[0])]))[0][0] == "rejected"
    assert not ContactAttempt.objects.exists()


def test_it_rejects_someone_elses_gathering_and_number(alice, bob, lists):
    bobs_gathering = make_gathering(bob)
    voter = lists.calls[0]
    invite = a_call(voter, invite={"gathering": bobs_gathering.pk, "rsvp": "yes"})
    wrong = a_call(voter, result="wrong_number", phone=lists.bobs_voter.phones.get().pk)
    assert [s for s, _ in statuses(post(make_client(alice), [invite, wrong]))] == ["rejected", "rejected"]
    assert not ContactAttempt.objects.exists()


def test_it_rejects_an_item_that_breaks_a_rule_and_says_why(alice, lists):
    voter = lists.calls[0]
    items = [
        a_call(voter, result="no_answer", people=[{"voter": voter.pk, "party_id": 1}]),
        a_call(voter, result="moved"),
        a_knock(lists.homes[0], device_time="2001-01-01T00:00:00Z"),
        {"uuid": "not-a-uuid"},
        "not even an object",
    ]
    results = statuses(post(make_client(alice), items))
    assert [status for status, _ in results] == ["rejected"] * 5
    assert "must be Talked" in results[0][1]
    assert "not a phone result" in results[1][1]
    assert "clock" in results[2][1]
    assert "uuid" in results[3][1]
    assert not ContactAttempt.objects.exists()


def test_a_wrong_number_at_the_api_suppresses_that_number(alice, lists):
    voter = lists.calls[0]
    phone = voter.phones.get()
    assert statuses(post(make_client(alice), [a_call(voter, result="wrong_number", phone=phone.pk)])) == [
        ("created", "")
    ]
    assert Suppression.objects.get().phone == phone


@pytest.mark.parametrize(
    "body",
    ["{not json", json.dumps([]), json.dumps({"attempts": []}), json.dumps({"attempts": "x"}),
     json.dumps({"attempts": [{}] * 101})],
)  # fmt: skip
def test_a_malformed_batch_is_a_400_that_writes_nothing(alice, lists, body):
    response = make_client(alice).post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]
    assert not ContactAttempt.objects.exists()


def test_a_browser_session_needs_the_csrf_token(alice, lists):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(reverse("field:calls"))  # sets the CSRF cookie, as the page does
    item = a_call(lists.calls[0], result="no_answer")
    assert post(client, [item]).status_code == 403
    token = client.cookies["csrftoken"].value
    assert statuses(post(client, [item], HTTP_X_CSRFTOKEN=token)) == [("created", "")]


def test_a_bearer_token_works_without_a_session_or_csrf(alice, lists):
    _, raw = ApiToken.issue(user=alice, name="Bench phone")
    client = Client(enforce_csrf_checks=True)
    item = a_call(lists.calls[0], result="no_answer")
    assert statuses(post(client, [item], HTTP_AUTHORIZATION=f"Bearer {raw}")) == [("created", "")]
    assert post(client, [item], HTTP_AUTHORIZATION="Bearer nl_wrong").status_code == 401
    assert ApiToken.objects.get().digest != raw


def test_anonymous_callers_get_401_and_candidates_403(cathy, lists):
    item = a_call(lists.calls[0], result="no_answer")
    assert post(Client(), [item]).status_code == 401
    assert post(make_client(cathy), [item]).status_code == 403
    assert not ContactAttempt.objects.exists()


def test_a_coordinator_records_for_voters_in_their_county_only(carol, dave, lists):
    item = a_call(lists.calls[0], result="no_answer")
    assert statuses(post(make_client(dave), [item]))[0][0] == "rejected"
    assert statuses(post(make_client(carol), [item])) == [("created", "")]


def test_logging_works_with_the_broker_down(alice, lists, settings):
    # Nothing listens on port 9: any attempt to reach the broker would fail or hang.
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    item = a_knock(lists.homes[1], result="hostile")
    assert statuses(post(make_client(alice), [item])) == [("created", "")]
    assert Suppression.objects.filter(reason="hostile").count() == 2


@pytest.mark.parametrize(
    "bad",
    [{"channel": ["phone"]}, {"voter": "²"}, {"voter": 2**70}, {"note": "a\x00b"},
     {"invite": {"gathering": 1, "rsvp": ["yes"]}}, {"people": [{"voter": 2**70}]}],
)  # fmt: skip
def test_one_malformed_item_is_rejected_alone_and_the_rest_of_the_batch_lands(alice, lists, bad):
    good = a_call(lists.calls[0], result="no_answer")
    response = post(make_client(alice), [good, a_call(lists.calls[1]) | bad])
    assert response.status_code == 200
    assert [status for status, _ in statuses(response)] == ["created", "rejected"]
    assert ContactAttempt.objects.get().client_uuid.hex == good["uuid"].replace("-", "")


def test_a_replay_after_the_voter_left_the_list_answers_out_of_scope_not_stored(alice, carol, lists):
    from turf.services import turf_remove_voters

    client = make_client(alice)
    item = a_call(lists.calls[0], result="no_answer")
    assert statuses(post(client, [item])) == [("created", "")]
    assert statuses(post(client, [item])) == [("duplicate", "")]  # still listed: exactly once
    turf_remove_voters(turf=lists.alice_turf, voter_ids=[lists.calls[0].pk], actor=carol)
    assert statuses(post(client, [item])) == [
        ("rejected", f"Voter {lists.calls[0].pk} is not on your lists.")
    ]
    assert ContactAttempt.objects.count() == 1


def test_deeply_nested_json_is_a_400_not_a_500(alice, lists):
    response = make_client(alice).post(URL, "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "The body is not valid JSON."


def test_too_many_requests_from_one_token_get_429_with_retry_after(alice, bob, lists, settings):
    settings.SYNC_RATE_LIMIT_PER_MINUTE = 3
    _, raw = ApiToken.issue(user=alice, name="Phone")
    _, other = ApiToken.issue(user=alice, name="Tablet")
    client = Client()
    for _ in range(3):
        item = a_call(lists.calls[0], result="no_answer")
        assert post(client, [item], HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    refused = post(client, [a_call(lists.calls[0], result="no_answer")], HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]
    assert ContactAttempt.objects.count() == 3
    # Another token, and a browser session, count on their own.
    assert (
        post(
            client, [a_call(lists.calls[1], result="no_answer")], HTTP_AUTHORIZATION=f"Bearer {other}"
        ).status_code
        == 200
    )
    session = make_client(alice)
    for _ in range(3):
        assert post(session, [a_call(lists.calls[1], result="no_answer")]).status_code == 200
    assert post(session, [a_call(lists.calls[1], result="no_answer")]).status_code == 429
    assert post(make_client(bob), [a_call(lists.bobs_voter, result="no_answer")]).status_code == 200


def test_a_batch_from_another_accounts_outbox_is_refused_whole(alice, bob, lists):
    """A shared phone: bob's session must never send alice's notes, even ones he could record."""
    mine = [a_call(lists.bobs_voter)]
    body = json.dumps({"user": alice.pk, "attempts": mine})
    response = make_client(bob).post(URL, body, content_type="application/json")
    assert response.status_code == 409
    assert not ContactAttempt.objects.exists()
    for owner in ("x", True, None):
        body = json.dumps({"user": owner, "attempts": [a_call(lists.bobs_voter)]})
        status = make_client(bob).post(URL, body, content_type="application/json").status_code
        assert status == (200 if owner is None else 409)
    body = json.dumps({"user": bob.pk, "attempts": mine})
    assert statuses(make_client(bob).post(URL, body, content_type="application/json")) == [("created", "")]


@pytest.mark.parametrize("closed", ["cancelled", "over"])
def test_an_invitation_to_a_cancelled_or_past_gathering_keeps_the_call_and_invites_nobody(
    alice, lists, closed
):
    gathering = make_gathering(alice, days=-1 if closed == "over" else 7)
    if closed == "cancelled":
        gathering.cancelled_at = timezone.now()
        gathering.save()
    item = a_call(lists.calls[0], invite={"gathering": gathering.pk, "rsvp": "yes"})
    [(status, error)] = statuses(post(make_client(alice), [item]))
    assert status == "created"
    assert "cancelled or is over" in error
    assert ContactAttempt.objects.count() == 1
    assert not Invitation.objects.exists()
