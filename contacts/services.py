"""Recording what leaders learn: contact attempts, party IDs, suppressions, marks, learned numbers.

`contact_record_many()` is the one writer. It is idempotent on each attempt's client UUID (the
phone makes it when the leader taps, so a retried or replayed sync never adds a second row), and
it writes a whole batch in a few set-based statements: the sync endpoint calls it under load.
Scoping is the caller's job: contacts cannot see turf, so callers pass only voters on the
requesting leader's lists.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Channel, ContactAttempt, LeaderMark, PartyID, Phone, Suppression, Voter

Result = ContactAttempt.Result

# DESIGN.md section 5: which results each channel offers. Paper sheets carry door results.
DOOR_RESULTS = (
    Result.TALKED, Result.NOT_HOME, Result.LEFT_LITERATURE, Result.REFUSED, Result.MOVED,
    Result.DECEASED, Result.INACCESSIBLE, Result.HOSTILE,
)  # fmt: skip
PHONE_RESULTS = (
    Result.TALKED, Result.NO_ANSWER, Result.LEFT_MESSAGE, Result.WRONG_NUMBER, Result.DISCONNECTED,
    Result.REFUSED, Result.HOSTILE,
)  # fmt: skip
RESULTS_BY_CHANNEL = {Channel.DOOR: DOOR_RESULTS, Channel.PHONE: PHONE_RESULTS, Channel.PAPER: DOOR_RESULTS}
# A wrong or dead number says nothing about the voter: only the number is suppressed.
PHONE_SUPPRESSING = {
    Result.WRONG_NUMBER: Suppression.Reason.WRONG_NUMBER,
    Result.DISCONNECTED: Suppression.Reason.DISCONNECTED,
}
# Results that say something about the people named in the attempt.
PERSON_SUPPRESSING = {Result.MOVED: Suppression.Reason.MOVED, Result.DECEASED: Suppression.Reason.DECEASED}
SOURCES = {Channel.DOOR: "Field app", Channel.PHONE: "Field app", Channel.PAPER: "Paper sheet"}


class ContactError(Exception):
    """An attempt that cannot be recorded, with a sentence for the person who sent it."""


@dataclass(frozen=True)
class Person:
    """What a leader learned about one person in a conversation."""

    voter_id: int
    party_id: int | None = None
    know_them: bool = False
    do_not_contact: bool = False
    phone: str = ""  # ten digits, learned at the door


@dataclass(frozen=True)
class Attempt:
    """One call or knock as the device entered it."""

    client_uuid: uuid.UUID
    channel: str
    result: str
    device_time: datetime
    voter_id: int | None = None
    household_id: int | None = None
    phone_id: int | None = None
    people: Sequence[Person] = ()
    note: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class Recorded:
    """What became of one attempt: created, duplicate (a replay) or rejected."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"

    client_uuid: uuid.UUID
    status: str
    error: str = ""
    attempt_id: int | None = None
    attempt: Attempt | None = field(default=None, repr=False)

    @property
    def created(self) -> bool:
        return self.status == self.CREATED


def _can_confirm(user) -> bool:
    """Coordinators and staff confirm a move or death on their own word."""
    return bool(user.is_state_staff or user.is_coordinator)


def _insert_attempts(leader, attempts: Sequence[Attempt], now: datetime) -> dict[uuid.UUID, int]:
    """Insert the attempts whose UUID is new, in one statement; return {uuid: id} of those inserted."""
    table = ContactAttempt._meta.db_table
    columns = ("client_uuid", "leader_id", "voter_id", "household_id", "channel", "result", "note",
               "device_time", "received_at", "latitude", "longitude")  # fmt: skip
    rows, params = [], []
    for a in attempts:
        rows.append("(" + ", ".join(["%s"] * len(columns)) + ")")
        params += [a.client_uuid, leader.pk, a.voter_id, a.household_id, a.channel, a.result, a.note,
                   a.device_time, now, a.latitude, a.longitude]  # fmt: skip
    # ON CONFLICT DO NOTHING: a UUID sent twice, in one batch or two, concurrently or a week apart,
    # lands once; a concurrent insert of the same UUID makes this one wait for it, then skip.
    # Table and column names come from the model; every value is a parameter.
    values = ", ".join(rows)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} ON CONFLICT (client_uuid) DO NOTHING RETURNING client_uuid, id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _suppress(*, voter_ids, reason, attempt_id, by, now, phone_id=None) -> None:
    """Add a suppression per voter unless one stands; a second reporter confirms a move or death."""
    if not voter_ids:
        return
    # Lock the voters so two leaders reporting the same death at once make one row, then confirm it.
    list(Voter.objects.select_for_update().filter(pk__in=voter_ids).values_list("pk", flat=True))
    existing = {
        s.voter_id: s
        for s in Suppression.objects.filter(voter_id__in=voter_ids, reason=reason, phone_id=phone_id)
    }
    needs_confirmation = reason in Suppression.NEEDS_CONFIRMATION
    confirm_now = needs_confirmation and _can_confirm(by)
    new = []
    for voter_id in voter_ids:
        standing = existing.get(voter_id)
        if standing is None:
            new.append(
                Suppression(
                    voter_id=voter_id,
                    phone_id=phone_id,
                    reason=reason,
                    attempt_id=attempt_id,
                    created_by=by,
                    confirmed_by=by if confirm_now else None,
                    confirmed_at=now if confirm_now else None,
                )
            )
        elif (
            needs_confirmation
            and standing.confirmed_at is None
            and (confirm_now or standing.created_by_id != by.pk)
        ):
            standing.confirmed_by, standing.confirmed_at = by, now
            standing.save(update_fields=["confirmed_by", "confirmed_at"])
    Suppression.objects.bulk_create(new)


def _household_voter_ids(household_ids: set[int]) -> dict[int, list[int]]:
    voters: dict[int, list[int]] = {}
    for voter_id, household_id in Voter.objects.filter(household_id__in=household_ids).values_list(
        "pk", "household_id"
    ):
        voters.setdefault(household_id, []).append(voter_id)
    return voters


def _side_effects(leader, created: list[tuple[int, Attempt]], now: datetime) -> None:
    """Write what the new attempts taught: IDs, marks, learned numbers, suppressions."""
    party_ids, marks, phones = [], [], []
    for attempt_id, a in created:
        for person in a.people:
            if person.party_id is not None:
                party_ids.append(
                    PartyID(
                        voter_id=person.voter_id,
                        value=person.party_id,
                        channel=a.channel,
                        leader=leader,
                        attempt_id=attempt_id,
                        source=SOURCES[a.channel],
                        # A device clock running fast must not make an ID outrank newer ones.
                        recorded_at=min(a.device_time, now),
                    )
                )
            if person.know_them:
                marks.append(LeaderMark(voter_id=person.voter_id, leader=leader))
            if person.phone:
                phones.append(Phone(voter_id=person.voter_id, number=person.phone, source="Leader"))
    PartyID.objects.bulk_create(party_ids)
    LeaderMark.objects.bulk_create(marks, ignore_conflicts=True)
    Phone.objects.bulk_create(phones, ignore_conflicts=True)

    hostile_households = {a.household_id for _, a in created if a.result == Result.HOSTILE and a.household_id}
    household_voters = _household_voter_ids(hostile_households) if hostile_households else {}
    for attempt_id, a in created:
        named = [person.voter_id for person in a.people]
        if a.voter_id and a.voter_id not in named:
            named.insert(0, a.voter_id)
        if a.result in PERSON_SUPPRESSING:
            _suppress(
                voter_ids=named,
                reason=PERSON_SUPPRESSING[a.result],
                attempt_id=attempt_id,
                by=leader,
                now=now,
            )
        elif a.result in PHONE_SUPPRESSING and a.phone_id:
            _suppress(
                voter_ids=[a.voter_id], reason=PHONE_SUPPRESSING[a.result], attempt_id=attempt_id,
                by=leader, now=now, phone_id=a.phone_id,
            )  # fmt: skip
        elif a.result == Result.HOSTILE:
            # Hostile at a door covers everyone behind it, listed or not: the next leader is warned.
            voters = household_voters.get(a.household_id, []) if a.household_id else named
            _suppress(voter_ids=sorted(set(voters) | set(named)), reason=Suppression.Reason.HOSTILE,
                      attempt_id=attempt_id, by=leader, now=now)  # fmt: skip
        asked_off = [person.voter_id for person in a.people if person.do_not_contact]
        _suppress(voter_ids=asked_off, reason=Suppression.Reason.DO_NOT_CONTACT, attempt_id=attempt_id,
                  by=leader, now=now)  # fmt: skip


def contact_record_many(*, leader, attempts: Sequence[Attempt]) -> list[Recorded]:
    """Record a batch of attempts by one leader; each comes back created, duplicate or rejected.

    A replayed UUID of the same leader is a duplicate and changes nothing; a UUID another leader
    already used is rejected. The caller has checked that every voter and household is in scope.
    """
    if not attempts:
        return []
    now = timezone.now()
    # No savepoint when a caller's transaction wraps this: the batch stands or falls with it.
    with transaction.atomic(savepoint=False):
        inserted = _insert_attempts(leader, attempts, now)
        missing = {a.client_uuid for a in attempts if a.client_uuid not in inserted}
        earlier = {
            client_uuid: (leader_id, pk)
            for client_uuid, leader_id, pk in ContactAttempt.objects.filter(
                client_uuid__in=missing
            ).values_list("client_uuid", "leader_id", "pk")
        }
        outcomes, created = [], []
        for a in attempts:
            if a.client_uuid in inserted:
                # The same UUID twice in one batch: the first is the new row, the second a replay.
                attempt_id = inserted.pop(a.client_uuid)
                earlier[a.client_uuid] = (leader.pk, attempt_id)
                outcomes.append(Recorded(a.client_uuid, Recorded.CREATED, attempt_id=attempt_id, attempt=a))
                created.append((attempt_id, a))
            elif earlier.get(a.client_uuid, (None,))[0] == leader.pk:
                outcomes.append(
                    Recorded(
                        a.client_uuid, Recorded.DUPLICATE, attempt_id=earlier[a.client_uuid][1], attempt=a
                    )
                )
            else:
                error = "This attempt ID was already used by someone else."
                outcomes.append(Recorded(a.client_uuid, Recorded.REJECTED, error, attempt=a))
        if created:
            _side_effects(leader, created, now)
    return outcomes


def contact_record(
    *,
    leader,
    client_uuid: uuid.UUID,
    channel: str,
    result: str,
    device_time: datetime,
    voter: Voter | None = None,
    household=None,
    phone: Phone | None = None,
    people: Sequence[Person] = (),
    note: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Recorded:
    """Record one attempt (see `contact_record_many`); raise ContactError when it is refused."""
    if voter is None and household is None:
        raise ContactError("An attempt needs a voter or a household.")
    if result not in RESULTS_BY_CHANNEL[channel]:
        raise ContactError(f"{Result(result).label} is not a result for {Channel(channel).label.lower()}.")
    attempt = Attempt(
        client_uuid=client_uuid,
        channel=channel,
        result=result,
        device_time=device_time,
        voter_id=voter.pk if voter else None,
        household_id=household.pk if household else None,
        phone_id=phone.pk if phone else None,
        people=tuple(people),
        note=note,
        latitude=latitude,
        longitude=longitude,
    )
    (outcome,) = contact_record_many(leader=leader, attempts=[attempt])
    if outcome.status == Recorded.REJECTED:
        raise ContactError(outcome.error)
    return outcome
