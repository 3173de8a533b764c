"""Reading one attempt (field.attempts) and the compiled scope check behind the sync API."""

import uuid
from datetime import datetime

import pytest
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from field.attempts import AttemptError, read_attempt, read_posted_attempt
from tests.cast import a_call, a_knock
from turf.models import Entry, listed_targets


def test_the_compiled_scope_check_answers_as_the_scoping_method_does(
    alice, bob, carol, dave, sam, cathy, lists
):
    voters = [*lists.calls, *lists.door_voters, lists.bobs_voter]
    voter_ids = {voter.pk for voter in voters}
    household_ids = {voter.household_id for voter in voters}
    for user in (alice, bob, carol, dave, sam, cathy, alice):  # alice twice: the second is compiled already
        expected = set(
            Entry.objects.visible_to(user)
            .filter(cycle__is_active=True)
            .filter(Q(voter_id__in=voter_ids) | Q(household_id__in=household_ids))
            .values_list("voter_id", "household_id")
        )
        assert set(listed_targets(user, voter_ids, household_ids)) == expected, user
        assert set(listed_targets(user, voter_ids, [])) == {row for row in expected if row[0] in voter_ids}
    assert {voter for voter, _ in listed_targets(alice, voter_ids, [])} == voter_ids - {lists.bobs_voter.pk}
    assert listed_targets(dave, voter_ids, household_ids) == []
    assert listed_targets(cathy, voter_ids, household_ids) == []


def test_the_scope_check_follows_a_coordinators_counties(carol, lists):
    voter_ids = {voter.pk for voter in lists.calls}
    assert {voter for voter, _ in listed_targets(carol, voter_ids, [])} == voter_ids
    carol.counties = ["Boone"]
    assert listed_targets(carol, voter_ids, []) == []


def test_it_reads_what_browsers_and_phones_send(lists):
    voter = lists.door_voters[0]
    item = read_attempt(
        a_knock(
            lists.homes[0],
            result="talked",
            device_time="2026-01-02T03:04:05",
            latitude="40.35",
            people=[
                {
                    "voter": str(voter.pk),
                    "party_id": "2",
                    "know_them": "false",
                    "do_not_contact": "on",
                    "phone": "+1 (660) 555-0199",
                    "email": " Pat@Example.ORG ",
                },
            ],
        )  # fmt: skip
        | {"device_time": timezone.now().replace(tzinfo=None).isoformat()}
    )
    (person,) = item.attempt.people
    assert (person.voter_id, person.party_id, person.know_them, person.do_not_contact, person.phone) == (
        voter.pk, 2, False, True, "6605550199",
    )  # fmt: skip
    assert item.emails == ((voter.pk, "pat@example.org"),)
    assert item.attempt.latitude == 40.35
    assert timezone.is_aware(item.attempt.device_time)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"uuid": "12"}, "uuid: Enter a valid UUID."),
        ({"uuid": None}, "uuid: This field is required."),
        ({"channel": "fax"}, "channel: fax is not one of"),
        ({"voter": True}, "voter: Enter a whole number"),
        ({"voter": -3}, "voter: Enter a whole number"),
        ({"voter": "²"}, "voter: Enter a whole number"),
        ({"voter": 2**70}, "voter: Enter a whole number"),
        ({"channel": ["phone"]}, "channel: ['phone'] is not one of"),
        ({"result": {"a": 1}}, "result: {'a': 1} is not one of"),
        ({"note": "a\x00b"}, "note: Null characters are not allowed."),
        ({"invite": {"gathering": 3, "rsvp": ["yes"]}}, "rsvp: ['yes'] is not one of"),
        ({"latitude": 91}, "latitude: Enter a number between -90 and 90."),
        ({"longitude": "NaN"}, "longitude: Enter a number"),
        ({"note": "x" * 1001}, "note: Keep it to 1000 characters"),
        ({"device_time": "yesterday"}, "device_time: Enter a date and time"),
        ({"device_time": "2001-01-01T00:00:00Z"}, "clock is far off"),
        ({"people": {"voter": 1}}, "people must be a list"),
        ({"people": [{"voter": 1}] * 13}, "people must be a list of at most 12"),
        ({"people": ["x"]}, "A person is not valid (voter: This field is required.)"),
        ({"people": [{"voter": 1, "party_id": 7}]}, "party_id: 7 is not one of"),
        ({"people": [{"voter": 1, "phone": "555-0199"}]}, "phone: Enter a US phone number"),
        ({"people": [{"voter": 1, "email": "pat@"}]}, "email: Enter a valid email address."),
        ({"invite": {"gathering": 3}}, "An invitation needs both the gathering and the answer."),
        ({"invite": {"gathering": 3, "rsvp": "perhaps"}}, "rsvp: perhaps is not one of"),
        ({"result": "no_answer", "invite": {"gathering": 3, "rsvp": "yes"}}, "An invitation ends a call"),
        ({"voter": None}, "A call needs the voter called."),
        ({"people": [{"voter": 99}]}, "A call can only tell about the voter called."),
    ],
)
def test_it_refuses_a_bad_attempt_and_says_why(lists, change, says):
    with pytest.raises(AttemptError) as refused:
        read_attempt(a_call(lists.calls[0]) | change)
    assert says in str(refused.value)


def test_a_knock_needs_its_household_and_a_call_result_is_not_a_door_result(lists):
    with pytest.raises(AttemptError, match="A knock needs the household."):
        read_attempt(a_knock(lists.homes[0]) | {"household": None})
    with pytest.raises(AttemptError, match="is not a door result"):
        read_attempt(a_knock(lists.homes[0], result="no_answer"))
    with pytest.raises(AttemptError, match="must be a JSON object"):
        read_attempt(["not", "an", "object"])


def test_a_posted_form_drops_ids_and_answers_when_another_button_was_pressed(lists):
    voter = lists.door_voters[0]
    post = QueryDict(mutable=True)
    post.update({"uuid": str(uuid.uuid4()), "channel": "door", "household": str(lists.homes[0].pk),
                 "result": f"moved:{voter.pk}", "gathering": "4", "rsvp": "yes",
                 "people-0-voter": str(voter.pk), "people-0-party_id": "1",
                 "people-1-voter": str(lists.door_voters[1].pk)})  # fmt: skip
    item = read_posted_attempt(post)
    assert item.attempt.result == "moved"
    assert [(p.voter_id, p.party_id) for p in item.attempt.people] == [(voter.pk, None)]
    assert (item.gathering_id, item.rsvp) == (None, "")
    assert isinstance(item.attempt.device_time, datetime)


def test_a_person_with_no_digits_for_a_phone_has_no_number(lists):
    voter = lists.calls[0]
    item = read_attempt(a_call(voter, people=[{"voter": voter.pk, "phone": "n/a"}]))
    assert item.attempt.people[0].phone == ""
