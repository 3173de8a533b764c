"""Recording what leaders learn: contact attempts, party IDs, suppressions, marks, learned numbers.

`contact_record_many()` is the one writer. It is idempotent on each attempt's client UUID (the
phone makes it when the leader taps, so a retried or replayed sync never adds a second row), and
it writes a whole batch in a few set-based statements: the sync endpoint calls it under load.
Each attempt must keep the rules of `contacts.attempts`, which it checks itself: one that breaks
them comes back rejected with the reason and is not written. Scoping is the caller's job:
contacts cannot see turf, so callers pass only voters on the requesting leader's lists.
"""

import json
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from contacts.attempts import PERSON_SUPPRESSING, PHONE_SUPPRESSING, Attempt, Person, attempt_error
from contacts.models import Channel, ContactAttempt, LeaderMark, PartyID, Phone, Suppression, Voter
from contacts.signals import attempts_recorded

Result = ContactAttempt.Result
SOURCES = {Channel.DOOR: "Field app", Channel.PHONE: "Field app", Channel.PAPER: "Paper sheet"}


class ContactError(Exception):
    """An attempt that cannot be recorded, with a sentence for the person who sent it."""


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


# The whole batch is one JSON parameter that PostgreSQL unpacks (jsonb_to_recordset): the statement
# is the same for every batch, and the driver adapts two strings instead of 300 values. ON CONFLICT
# DO NOTHING: a UUID sent twice, in one batch or two, concurrently or a week apart, lands once; a
# concurrent insert of the same UUID makes this one wait for it, then skip. Party IDs join only the
# rows this statement inserted, so a replay adds none. Table and column names come from the models;
# values are parameters.
INSERT_ATTEMPTS_SQL = f"""
    WITH new AS (
        INSERT INTO {ContactAttempt._meta.db_table} (client_uuid, leader_id, voter_id, household_id,
            channel, result, note, device_time, received_at, latitude, longitude, entered_by_id)
        SELECT a.uuid, %(leader)s, a.voter, a.household, a.channel, a.result, a.note, a.device_time,
            %(now)s, a.latitude, a.longitude, %(entered_by)s
        FROM jsonb_to_recordset(%(attempts)s::jsonb) AS a (n int, uuid uuid, voter bigint, household bigint,
            channel text, result text, note text, device_time timestamptz, latitude float8, longitude float8)
        ORDER BY a.n
        ON CONFLICT (client_uuid) DO NOTHING
        RETURNING client_uuid, id
    ), party_ids AS (
        INSERT INTO {PartyID._meta.db_table} (voter_id, value, channel, leader_id, attempt_id, source,
            recorded_at)
        SELECT p.voter, p.value, p.channel, %(leader)s, new.id, p.source, p.recorded_at
        FROM jsonb_to_recordset(%(party_ids)s::jsonb) AS p (n int, uuid uuid, voter bigint, value smallint,
            channel text, source text, recorded_at timestamptz)
        JOIN new ON new.client_uuid = p.uuid
        ORDER BY p.n
    )
    SELECT client_uuid, id FROM new
"""  # noqa: S608


def _insert_attempts(
    leader, attempts: Sequence[Attempt], now: datetime, entered_by=None
) -> dict[uuid.UUID, int]:
    """Insert the attempts whose UUID is new and their party IDs, in one statement; return {uuid: id} inserted."""
    rows, party_ids, seen = [], [], set()
    for n, a in enumerate(attempts):
        client_uuid, device_time = str(a.client_uuid), a.device_time.isoformat()
        rows.append({"n": n, "uuid": client_uuid, "voter": a.voter_id, "household": a.household_id,
                     "channel": a.channel, "result": a.result, "note": a.note, "device_time": device_time,
                     "latitude": a.latitude, "longitude": a.longitude})  # fmt: skip
        # The same UUID twice in one batch: only the first copy is inserted, so only its IDs count.
        if client_uuid in seen:
            continue
        seen.add(client_uuid)
        # A device clock running fast must not make an ID outrank newer ones.
        recorded_at = min(a.device_time, now).isoformat()
        party_ids += [
            {"n": len(party_ids) + i, "uuid": client_uuid, "voter": person.voter_id, "value": person.party_id,
             "channel": a.channel, "source": SOURCES[a.channel], "recorded_at": recorded_at}
            for i, person in enumerate(p for p in a.people if p.party_id is not None)
        ]  # fmt: skip
    params = {
        "leader": leader.pk,
        "now": now,
        "entered_by": entered_by.pk if entered_by else None,
        "attempts": json.dumps(rows),
        "party_ids": json.dumps(party_ids),
    }
    with connection.cursor() as cursor:
        cursor.execute(INSERT_ATTEMPTS_SQL, params)
        return dict(cursor.fetchall())


def _suppress(*, voter_ids, reason, attempt_id, by, now, phone_id=None) -> None:
    """Add a suppression per voter unless one stands; a second reporter confirms a move or death.

    A dismissed report does not stand: the next report of it starts a new one, waiting again.
    Someone else reporting a move or death already confirmed is kept too, as a report confirmed
    by the two: undoing the decision that confirmed the first must not lose it (see _reopen).
    """
    if not voter_ids:
        return
    # Lock the voters so two leaders reporting the same death at once make one row, then confirm it.
    list(Voter.objects.select_for_update().filter(pk__in=voter_ids).values_list("pk", flat=True))
    existing, theirs = {}, set()
    for s in Suppression.objects.filter(
        voter_id__in=voter_ids, reason=reason, phone_id=phone_id, dismissed_at__isnull=True
    ).order_by("pk"):
        existing.setdefault(s.voter_id, s)  # the first report stands for the others
        if s.created_by_id == by.pk:
            theirs.add(s.voter_id)
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
            standing.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
        elif (
            needs_confirmation
            and standing.confirmed_at is not None
            and voter_id not in theirs
            and by.pk != standing.confirmed_by_id
        ):
            new.append(
                Suppression(
                    voter_id=voter_id, reason=reason, attempt_id=attempt_id,
                    created_by=by, confirmed_by=by, confirmed_at=now,
                )
            )  # fmt: skip
    Suppression.objects.bulk_create(new)


def _decide_report(suppression: Suppression, by, **decision) -> Suppression:
    if not _can_confirm(by):
        raise PermissionDenied("Only coordinators and staff decide on reported moves and deaths.")
    if suppression.reason not in Suppression.NEEDS_CONFIRMATION:
        raise ValueError(f"A {suppression.get_reason_display().lower()} suppression needs no decision.")
    with transaction.atomic():
        suppression = _lock_report(suppression)
        if suppression.confirmed_at is None and suppression.dismissed_at is None:
            for name, value in decision.items():
                setattr(suppression, name, value)
            suppression.save(update_fields=[*decision, "updated_at"])
    return suppression


def _lock_report(suppression: Suppression) -> Suppression:
    """Lock a report and its voter (in a transaction) and return the report as it now stands.

    The voter first, as `_suppress` locks it: a report arriving meanwhile waits, then sees the
    decision. The row next: of two coordinators acting at once, the second finds it decided.
    """
    list(Voter.objects.select_for_update().filter(pk=suppression.voter_id).values_list("pk", flat=True))
    return Suppression.objects.select_for_update().get(pk=suppression.pk)


def suppression_confirm(*, suppression: Suppression, by) -> Suppression:
    """Confirm a reported move or death so it hides the voter; a decided report is left as it is."""
    return _decide_report(suppression, by, confirmed_by=by, confirmed_at=timezone.now())


def suppression_dismiss(*, suppression: Suppression, by) -> Suppression:
    """Dismiss a reported move or death as wrong: the voter stays listed; a decided report is left as it is."""
    return _decide_report(suppression, by, dismissed_by=by, dismissed_at=timezone.now())


# A tap on the wrong button, on a phone, must not hide a living neighbor for good: whoever decided
# a report may take the decision back for this long. Later, it stands, with who made it and when.
UNDO_WINDOW = timedelta(minutes=15)


def undoable_reports(user):
    """Return the reports this user decided within UNDO_WINDOW, the latest decision first."""
    since = timezone.now() - UNDO_WINDOW
    mine = Q(confirmed_by=user, confirmed_at__gte=since) | Q(dismissed_by=user, dismissed_at__gte=since)
    decided_at = Coalesce("confirmed_at", "dismissed_at")
    return (
        Suppression.objects.visible_to(user)
        .filter(mine, reason__in=Suppression.NEEDS_CONFIRMATION)
        .select_related("voter")
        .order_by(decided_at.desc(), "-pk")
    )


def suppression_undo(*, suppression: Suppression, by) -> tuple[Suppression, str]:
    """Take back one's own decision on a reported move or death, made within UNDO_WINDOW.

    Return the report and "" once it waits for a decision again, or the reason nothing changed.
    """
    if not _can_confirm(by):
        raise PermissionDenied("Only coordinators and staff decide on reported moves and deaths.")
    with transaction.atomic():
        suppression = _lock_report(suppression)
        if suppression.confirmed_at is None and suppression.dismissed_at is None:
            return suppression, "It waits for a decision already."
        if not undoable_reports(by).filter(pk=suppression.pk).exists():
            minutes = int(UNDO_WINDOW.total_seconds() // 60)
            return suppression, f"Only who decided may undo it, and only within {minutes} minutes."
        # One's own report of what was confirmed already: waiting again, it would hide nobody.
        if _same_reports(suppression).filter(pk__lt=suppression.pk, confirmed_at__isnull=False).exists():
            return suppression, "An earlier report of the same is confirmed, and stands."
        return suppression, _reopen(suppression)


def suppression_reopen(*, suppression: Suppression, by) -> tuple[Suppression, str]:
    """Reopen any decision on a reported move or death, however old: staff's correction.

    Return the report and "" once it waits for a decision again, or the reason nothing changed.
    The caller (the admin) logs who reopened what, and what the decision had been.
    """
    if not by.is_state_staff:
        raise PermissionDenied("Only state staff reopen a decided report.")
    if suppression.reason not in Suppression.NEEDS_CONFIRMATION:
        return suppression, "It is not a reported move or death."
    with transaction.atomic():
        suppression = _lock_report(suppression)
        if suppression.confirmed_at is None and suppression.dismissed_at is None:
            return suppression, "It waits for a decision already."
        return suppression, _reopen(suppression)


def suppression_lift(*, suppression: Suppression, by, why: str) -> list[Suppression]:
    """Lift a hostile, do-not-contact or phone suppression found wrong, recording who, when and why.

    A hostile knock suppressed everyone at the door: lifting it lifts them all. Return the
    suppressions lifted, none when someone lifted them already.
    """
    if not _can_confirm(by):
        raise PermissionDenied("Only coordinators and staff lift suppressions.")
    if suppression.reason not in Suppression.LIFTABLE:
        raise ValueError(
            f"A {suppression.get_reason_display().lower()} is confirmed or dismissed, not lifted."
        )
    why = why.strip()
    if not why:
        raise ValueError("Say why it is lifted.")
    group = Suppression.objects.visible_to(by).liftable().filter(reason=suppression.reason)
    if suppression.reason == Suppression.Reason.HOSTILE and suppression.attempt_id:
        group = group.filter(attempt_id=suppression.attempt_id)
    else:
        group = group.filter(pk=suppression.pk)
    with transaction.atomic():
        voter_ids = sorted(group.values_list("voter_id", flat=True))
        # The voters first, as `_suppress` locks them: a report arriving meanwhile waits, then sees the lift.
        list(Voter.objects.select_for_update().filter(pk__in=voter_ids).values_list("pk", flat=True))
        lifted = list(group.select_for_update(of=("self",)).order_by("pk"))
        now = timezone.now()
        for row in lifted:
            row.dismissed_by, row.dismissed_at, row.decision_note, row.updated_at = by, now, why, now
        Suppression.objects.bulk_update(
            lifted, ["dismissed_by", "dismissed_at", "decision_note", "updated_at"]
        )
    return lifted


def _same_reports(suppression: Suppression):
    """Return every report of the same reason for the same voter, this one included."""
    return Suppression.objects.filter(voter_id=suppression.voter_id, reason=suppression.reason)


def _reopen(suppression: Suppression) -> str:
    """Clear a locked report's decision so it waits again; return why not, if it cannot."""
    newer = _same_reports(suppression).filter(pk__gt=suppression.pk, dismissed_at__isnull=True)
    if newer.filter(confirmed_at__isnull=True).exists():  # reported again since a dismissal: decide that one
        return "A newer report of the same waits for a decision."
    if newer.exists():  # reported again by someone else while confirmed: two reports confirm it
        return "Someone else has reported the same since, which confirms it."
    suppression.confirmed_by = suppression.confirmed_at = None
    suppression.dismissed_by = suppression.dismissed_at = None
    suppression.save(
        update_fields=["confirmed_by", "confirmed_at", "dismissed_by", "dismissed_at", "updated_at"]
    )
    return ""


def _household_voter_ids(household_ids: set[int]) -> dict[int, list[int]]:
    voters: dict[int, list[int]] = {}
    for voter_id, household_id in Voter.objects.filter(household_id__in=household_ids).values_list(
        "pk", "household_id"
    ):
        voters.setdefault(household_id, []).append(voter_id)
    return voters


def _needs_side_effects(a: Attempt) -> bool:
    """Whether an attempt teaches more than its party IDs (which its insert writes)."""
    return (
        a.result in PERSON_SUPPRESSING
        or a.result in PHONE_SUPPRESSING
        or a.result == Result.HOSTILE
        or any(person.know_them or person.phone or person.do_not_contact for person in a.people)
    )


def _side_effects(leader, created: list[tuple[int, Attempt]], now: datetime) -> None:
    """Write what the new attempts taught besides IDs: marks, learned numbers, suppressions."""
    marks, phones = [], []
    for _, a in created:
        for person in a.people:
            if person.know_them:
                marks.append(LeaderMark(voter_id=person.voter_id, leader=leader))
            if person.phone:
                phones.append(Phone(voter_id=person.voter_id, number=person.phone, source="Leader"))
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


def contact_record_many(*, leader, attempts: Sequence[Attempt], entered_by=None) -> list[Recorded]:
    """Record a batch of attempts by one leader; each comes back created, duplicate or rejected.

    A replayed UUID of the same leader is a duplicate and changes nothing; a UUID another leader
    already used is rejected. The caller has checked that every voter and household is in scope.
    `entered_by` is whoever typed the attempts in for the leader (a coordinator, from paper).
    """
    if not attempts:
        return []
    now = timezone.now()
    # The rules first: an attempt that breaks one refuses only itself, and is never written.
    refused = {index: error for index, a in enumerate(attempts) if (error := attempt_error(a, now=now))}
    valid = [a for index, a in enumerate(attempts) if index not in refused] if refused else attempts
    needs_more = any(_needs_side_effects(a) for a in valid)
    # Most batches are calls and knocks and IDs: one statement, atomic on its own, so no transaction
    # to open and commit. Else no savepoint when a caller's transaction wraps this: the batch stands
    # or falls with it.
    with transaction.atomic(savepoint=False) if needs_more else nullcontext():
        inserted = _insert_attempts(leader, valid, now, entered_by) if valid else {}
        missing = {a.client_uuid for a in valid if a.client_uuid not in inserted}
        earlier = (
            {
                client_uuid: (leader_id, pk)
                for client_uuid, leader_id, pk in ContactAttempt.objects.filter(
                    client_uuid__in=missing
                ).values_list("client_uuid", "leader_id", "pk")
            }
            if missing
            else {}
        )
        outcomes, created = [], []
        for index, a in enumerate(attempts):
            if index in refused:
                outcomes.append(Recorded(a.client_uuid, Recorded.REJECTED, refused[index], attempt=a))
            elif a.client_uuid in inserted:
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
        side_effects = [(attempt_id, a) for attempt_id, a in created if _needs_side_effects(a)]
        if side_effects:
            _side_effects(leader, side_effects, now)
        if created:
            # After commit, and robust: the attempts stand even if an app listening stumbles.
            transaction.on_commit(
                lambda: attempts_recorded.send(sender=ContactAttempt, leader=leader, count=len(created)),
                robust=True,
            )
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
