"""contact_record: idempotent on the client UUID, and the rules of DESIGN.md section 5."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.utils import timezone

from contacts.models import Channel, ContactAttempt, LeaderMark, PartyID, Phone, Suppression
from contacts.services import Attempt, ContactError, Person, contact_record, contact_record_many
from leaders.models import User
from tests.cast import make_household, make_user, make_voter

Result = ContactAttempt.Result


def knock(leader, household, result, *, people=(), client_uuid=None):
    return contact_record(
        leader=leader,
        client_uuid=client_uuid or uuid.uuid4(),
        channel=Channel.DOOR,
        result=result,
        device_time=timezone.now(),
        household=household,
        people=people,
    )


def call(leader, voter, result, *, phone=None, people=(), client_uuid=None):
    return contact_record(
        leader=leader,
        client_uuid=client_uuid or uuid.uuid4(),
        channel=Channel.PHONE,
        result=result,
        device_time=timezone.now(),
        voter=voter,
        phone=phone,
        people=people,
    )


@pytest.fixture
def home(db):
    return make_household((40.3461, -94.8725))


def test_it_records_a_knock_with_an_id_for_each_person_talked_to(alice, home):
    pat, sam = make_voter(home, first="Pat"), make_voter(home, first="Sam")
    recorded = knock(
        alice, home, Result.TALKED, people=[Person(pat.pk, party_id=1), Person(sam.pk, party_id=3)]
    )
    assert recorded.status == "created"
    attempt = ContactAttempt.objects.get()
    assert (attempt.leader, attempt.household, attempt.result) == (alice, home, "talked")
    ids = dict(PartyID.objects.filter(attempt=attempt).values_list("voter_id", "value"))
    assert ids == {pat.pk: 1, sam.pk: 3}
    assert set(PartyID.objects.values_list("channel", "leader", "source").distinct()) == {
        ("door", alice.pk, "Field app")
    }


def test_it_creates_nothing_when_the_same_uuid_comes_again(alice, home):
    pat = make_voter(home)
    client_uuid = uuid.uuid4()
    first = knock(alice, home, Result.TALKED, people=[Person(pat.pk, party_id=2)], client_uuid=client_uuid)
    again = knock(alice, home, Result.TALKED, people=[Person(pat.pk, party_id=2)], client_uuid=client_uuid)
    assert (first.status, again.status) == ("created", "duplicate")
    assert again.attempt_id == first.attempt_id
    assert ContactAttempt.objects.count() == 1 and PartyID.objects.count() == 1


def test_it_treats_a_uuid_repeated_inside_one_batch_as_a_replay(alice, home):
    attempt = Attempt(uuid.uuid4(), Channel.DOOR, Result.NOT_HOME, timezone.now(), household_id=home.pk)
    outcomes = contact_record_many(leader=alice, attempts=[attempt, attempt])
    assert [o.status for o in outcomes] == ["created", "duplicate"]
    assert ContactAttempt.objects.count() == 1


def test_only_the_first_copy_of_a_repeated_uuid_brings_its_ids(alice, home):
    pat, sam = make_voter(home, first="Pat"), make_voter(home, first="Sam")
    client_uuid, now = uuid.uuid4(), timezone.now()
    first = Attempt(
        client_uuid, Channel.DOOR, Result.TALKED, now, household_id=home.pk, people=[Person(pat.pk, 1)]
    )
    copy = Attempt(
        client_uuid, Channel.DOOR, Result.TALKED, now, household_id=home.pk, people=[Person(sam.pk, 5)]
    )
    other = Attempt(
        uuid.uuid4(), Channel.DOOR, Result.TALKED, now, household_id=home.pk, people=[Person(sam.pk, 2)]
    )
    outcomes = contact_record_many(leader=alice, attempts=[first, copy, other])
    assert [o.status for o in outcomes] == ["created", "duplicate", "created"]
    ids = set(PartyID.objects.values_list("attempt_id", "voter_id", "value"))
    assert ids == {(outcomes[0].attempt_id, pat.pk, 1), (outcomes[2].attempt_id, sam.pk, 2)}
    assert contact_record_many(leader=alice, attempts=[first, other])[1].status == "duplicate"
    assert PartyID.objects.count() == 2


def test_a_batch_keeps_its_order_and_every_field(alice, home):
    pat = make_voter(home)
    when = timezone.now() - timedelta(days=2)
    attempts = [
        Attempt(uuid.uuid4(), Channel.PHONE, Result.NO_ANSWER, when, voter_id=pat.pk, note="Rang out",
                latitude=40.3461, longitude=-94.8725),
        Attempt(uuid.uuid4(), Channel.PAPER, Result.TALKED, when, household_id=home.pk, people=[Person(pat.pk, 9)]),
    ]  # fmt: skip
    outcomes = contact_record_many(leader=alice, attempts=attempts)
    assert outcomes[0].attempt_id < outcomes[1].attempt_id
    rows = list(
        ContactAttempt.objects.order_by("pk").values_list(
            "client_uuid", "leader", "voter", "household", "channel", "result", "note", "device_time",
            "latitude", "longitude",
        )
    )  # fmt: skip
    assert rows == [
        (
            attempts[0].client_uuid,
            alice.pk,
            pat.pk,
            None,
            "phone",
            "no_answer",
            "Rang out",
            when,
            40.3461,
            -94.8725,
        ),
        (attempts[1].client_uuid, alice.pk, None, home.pk, "paper", "talked", "", when, None, None),
    ]
    assert list(
        PartyID.objects.values_list("attempt", "value", "channel", "leader", "source", "recorded_at")
    ) == [(outcomes[1].attempt_id, 9, "paper", alice.pk, "Paper sheet", when)]


def test_a_batch_of_ids_and_unanswered_calls_writes_in_one_statement(alice, home, django_assert_num_queries):
    voters = [make_voter(home) for _ in range(10)]
    now = timezone.now()
    attempts = [Attempt(uuid.uuid4(), Channel.DOOR, Result.TALKED, now, household_id=home.pk,
                        people=[Person(voter.pk, 1)]) for voter in voters]  # fmt: skip
    attempts += [
        Attempt(uuid.uuid4(), Channel.PHONE, Result.NO_ANSWER, now, voter_id=voter.pk) for voter in voters
    ]
    # Nothing but the attempts and their IDs to write: one statement (the test's transaction wraps it).
    with django_assert_num_queries(1):
        outcomes = contact_record_many(leader=alice, attempts=attempts)
    assert {o.status for o in outcomes} == {"created"}
    assert PartyID.objects.count() == 10


def test_it_refuses_a_uuid_another_leader_already_used(alice, bob, home):
    client_uuid = uuid.uuid4()
    knock(alice, home, Result.NOT_HOME, client_uuid=client_uuid)
    with pytest.raises(ContactError, match="already used"):
        knock(bob, home, Result.NOT_HOME, client_uuid=client_uuid)
    assert ContactAttempt.objects.get().leader == alice


def test_it_keeps_attempts_on_one_voter_from_two_devices(alice, home):
    pat = make_voter(home)
    call(alice, pat, Result.NO_ANSWER)
    call(alice, pat, Result.NO_ANSWER)
    assert ContactAttempt.objects.filter(voter=pat).count() == 2


def test_it_dates_an_id_by_the_device_but_never_in_the_future(alice, home):
    pat = make_voter(home)
    contact_record(
        leader=alice, client_uuid=uuid.uuid4(), channel=Channel.PHONE, result=Result.TALKED,
        device_time=timezone.now() + timedelta(hours=3), voter=pat, people=[Person(pat.pk, party_id=1)],
    )  # fmt: skip
    party_id = PartyID.objects.get()
    assert party_id.recorded_at <= timezone.now()
    assert ContactAttempt.objects.get().device_time > timezone.now()


def test_it_needs_a_second_person_to_confirm_a_move(alice, bob, home):
    pat = make_voter(home)
    knock(alice, home, Result.MOVED, people=[Person(pat.pk)])
    suppression = Suppression.objects.get(voter=pat, reason="moved")
    assert suppression.confirmed_at is None
    assert not Suppression.objects.in_force().filter(voter=pat).exists()

    knock(alice, home, Result.MOVED, people=[Person(pat.pk)])  # the same leader again does not count
    assert not Suppression.objects.in_force().filter(voter=pat).exists()

    knock(bob, home, Result.MOVED, people=[Person(pat.pk)])
    suppression.refresh_from_db()
    assert suppression.confirmed_by == bob and suppression.confirmed_at is not None
    assert Suppression.objects.filter(voter=pat).count() == 1


def test_a_coordinator_confirms_a_death_on_their_own_word(alice, carol, home):
    pat = make_voter(home)
    knock(alice, home, Result.DECEASED, people=[Person(pat.pk)])
    knock(carol, home, Result.DECEASED, people=[Person(pat.pk)])
    assert Suppression.objects.in_force().get(voter=pat).confirmed_by == carol


def test_a_wrong_number_suppresses_the_number_not_the_voter(alice, home):
    pat = make_voter(home, phone=True)
    phone = pat.phones.get()
    call(alice, pat, Result.WRONG_NUMBER, phone=phone)
    suppression = Suppression.objects.get()
    assert (suppression.voter, suppression.phone, suppression.reason) == (pat, phone, "wrong_number")
    assert not Suppression.objects.in_force().filter(voter=pat, phone__isnull=True).exists()


def test_hostile_at_a_door_suppresses_everyone_there_at_once(alice, home):
    pat, sam = make_voter(home), make_voter(home)
    neighbor = make_voter(make_household((40.35, -94.87)))
    knock(alice, home, Result.HOSTILE)
    hidden = set(Suppression.objects.in_force().filter(reason="hostile").values_list("voter_id", flat=True))
    assert hidden == {pat.pk, sam.pk}
    assert neighbor.pk not in hidden


def test_do_not_contact_learned_at_the_door_suppresses_that_person(alice, home):
    pat, sam = make_voter(home), make_voter(home)
    knock(
        alice, home, Result.TALKED, people=[Person(pat.pk, party_id=2), Person(sam.pk, do_not_contact=True)]
    )
    assert list(Suppression.objects.in_force().values_list("voter_id", "reason")) == [
        (sam.pk, "do_not_contact")
    ]


def test_it_keeps_a_mark_and_a_number_learned_at_the_door_once(alice, home):
    pat = make_voter(home)
    for _ in range(2):
        knock(alice, home, Result.TALKED, people=[Person(pat.pk, know_them=True, phone="6605550123")])
    assert LeaderMark.objects.filter(voter=pat, leader=alice).count() == 1
    assert list(Phone.objects.filter(voter=pat).values_list("number", "source")) == [("6605550123", "Leader")]


def test_it_refuses_a_result_the_channel_does_not_have(alice, home):
    with pytest.raises(ContactError, match="is not a door result"):
        knock(alice, home, Result.WRONG_NUMBER)
    assert not ContactAttempt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_replaying_the_same_fifty_uuids_leave_fifty_rows():
    leader = make_user("racer@example.org", role=User.Role.LEADER)
    home = make_household((40.3461, -94.8725))
    attempts = [
        Attempt(uuid.uuid4(), Channel.DOOR, Result.NOT_HOME, timezone.now(), household_id=home.pk)
        for _ in range(50)
    ]
    statuses, errors = [], []

    def replay():
        try:
            statuses.extend(o.status for o in contact_record_many(leader=leader, attempts=attempts))
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=replay) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert statuses.count("created") == 50 and statuses.count("duplicate") == 950
    assert ContactAttempt.objects.count() == 50


def test_a_voter_household_or_leader_with_attempts_cannot_be_deleted(alice, home):
    # The sync path's keys carry no database constraint; Django's PROTECT is what keeps them whole.
    voter = make_voter(home)
    knock(alice, home, Result.TALKED, people=[Person(voter.pk, 2)])
    for target in (voter, home, alice):
        with pytest.raises(ProtectedError):
            target.delete()
    assert ContactAttempt.objects.get().voter_id is None and PartyID.objects.get().voter == voter
