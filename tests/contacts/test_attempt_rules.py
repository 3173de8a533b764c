"""The one set of rules for a contact attempt, applied by the writer itself to every caller."""

import uuid
from datetime import timedelta

from django.utils import timezone

from contacts.models import Channel, ContactAttempt, PartyID
from contacts.services import Attempt, Person, Recorded, contact_record_many
from tests.cast import make_household, make_voter

Result = ContactAttempt.Result


def a_knock(home, **fields) -> Attempt:
    values = {"client_uuid": uuid.uuid4(), "channel": Channel.DOOR, "result": Result.NOT_HOME,
              "device_time": timezone.now(), "household_id": home.pk} | fields  # fmt: skip
    return Attempt(**values)


def test_the_writer_records_what_the_rules_allow_and_refuses_each_other_attempt_alone(alice):
    home = make_household((40.3461, -94.8725))
    pat = make_voter(home)
    now = timezone.now()
    refused = {
        "An ID needs a conversation: the result must be Talked.": a_knock(home, people=(Person(pat.pk, 1),)),
        "“Wrong number” is not a door result.": a_knock(home, result=Result.WRONG_NUMBER),
        "A knock needs the household.": a_knock(home, household_id=None),
        "A call needs the voter called.": a_knock(home, channel=Channel.PHONE, result=Result.NO_ANSWER),
        "Say who moved or died.": a_knock(home, result=Result.MOVED),
        # A knock's number would be stored unchecked (no voter to own it), pointing at nothing.
        "A number goes with a call, not a knock.": a_knock(home, phone_id=987654),
        "device_time: The device's clock is far off: check its date and time.": a_knock(
            home, device_time=now + timedelta(days=3)
        ),
        "device_time: The device's clock is far off": a_knock(home, device_time=now - timedelta(days=500)),
        "latitude: Enter a number between -90 and 90.": a_knock(home, latitude=95.0),
        "longitude: Enter a number between -180 and 180.": a_knock(home, longitude=float("nan")),
        "note: Keep it to 1000 characters (it has 1001).": a_knock(home, note="x" * 1001),
        "note: Null characters are not allowed.": a_knock(home, note="a\x00b"),
        "channel: fax is not one of the available choices.": a_knock(home, channel="fax"),
        "uuid: Enter a valid UUID.": a_knock(home, client_uuid="12"),
        "party_id: 7 is not one of the available choices.": a_knock(
            home, result=Result.TALKED, people=(Person(pat.pk, 7),)
        ),
        "phone: Enter a US phone number": a_knock(
            home, result=Result.TALKED, people=(Person(pat.pk, phone="555"),)
        ),
        "people must be a list of at most 12.": a_knock(home, people=(Person(pat.pk),) * 13),
    }
    good = a_knock(home, result=Result.TALKED, people=(Person(pat.pk, PartyID.Value.LEAN_DEM),))
    outcomes = contact_record_many(leader=alice, attempts=[*refused.values(), good])
    assert [outcome.status for outcome in outcomes] == [Recorded.REJECTED] * len(refused) + [Recorded.CREATED]
    for says, outcome in zip(refused, outcomes, strict=False):
        assert says in outcome.error, (says, outcome.error)
    assert list(ContactAttempt.objects.values_list("client_uuid", flat=True)) == [good.client_uuid]
    assert list(PartyID.objects.values_list("voter_id", "value")) == [(pat.pk, PartyID.Value.LEAN_DEM)]


def test_a_batch_of_nothing_but_refused_attempts_writes_nothing(alice):
    home = make_household((40.3461, -94.8725))
    (outcome,) = contact_record_many(leader=alice, attempts=[a_knock(home, result=Result.DECEASED)])
    assert (outcome.status, outcome.error) == (Recorded.REJECTED, "Say who moved or died.")
    assert not ContactAttempt.objects.exists()
