"""The verbs on turf: cut, recut, quit, lock, hand edits, home links and claims, new cycles.

Every verb that changes which voters are on a cycle's lists takes the cycle's row lock first
(turf.pool.lock_cycle), so two cuts in one cycle run one after the other and never both hand out
the same neighbor; locking lists and linking homes lock only the rows they change. Every change
is recorded as a Change (who, when, which voters).
"""

from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from contacts.models import Household, Phone, Voter
from leaders.models import LeaderProfile, User
from leaders.pipeline import record_stage, turf_delivered
from lib.batch import without_request_timeout
from turf.cutting import haversine_m
from turf.eligibility import free_voters
from turf.filling import (
    TurfError,
    anchor_of,
    cut_all,
    fill,
    insert_entries,
    refresh_medians,
    release,
    set_anchor,
)
from turf.models import Change, Cycle, Entry, PoolVoter, Turf
from turf.pool import lock_cycle

Stage = LeaderProfile.Stage


def _record(
    turf: Turf | None, *, leader: User, actor: User | None, action: str, added=(), removed=(), note=""
):
    return Change.objects.create(
        turf=turf,
        leader=leader,
        actor=actor,
        action=action,
        added=list(added),
        removed=list(removed),
        note=note,
    )


def _require_cycle(cycle: Cycle | None) -> Cycle:
    cycle = cycle or Cycle.current()
    if cycle is None:
        raise TurfError("No cycle is active: start one before cutting turf.")
    return cycle


def _require_editable(turf: Turf) -> None:
    if not turf.is_active:
        raise TurfError(f"{turf.leader} has quit: their lists are closed.")
    if turf.locked:
        raise TurfError(f"{turf.leader}'s lists are locked: unlock them first.")


# --- cutting --------------------------------------------------------------------------------------


@transaction.atomic
def turf_cut_for_leader(*, leader: User, actor: User | None = None, cycle: Cycle | None = None) -> Turf:
    """Open (or reopen) a leader's turf this cycle and fill it from the free pool nearest them.

    Call it when staff approve a leader; calling it again only tops up what is missing.
    """
    cycle = _require_cycle(cycle)
    lock_cycle(cycle)
    home = anchor_of(User.objects.select_related("voter__household").get(pk=leader.pk))
    turf, created = Turf.objects.get_or_create(
        cycle=cycle, leader=leader, defaults={"county": home["county"]}
    )
    if turf.locked:
        return turf
    rejoined = turf.status == Turf.Status.QUIT
    turf.status = Turf.Status.ACTIVE
    set_anchor(turf, home)
    turf.save()
    added = fill([turf], {turf.pk: home})[turf.pk]
    if added or created or rejoined:
        _record(turf, leader=leader, actor=actor, action=Change.Action.CUT, added=added)
    if turf.entries.exists():
        record_stage(leader, Stage.TURF_DELIVERED, by=actor, reason="turf cut")
    return turf


@transaction.atomic
def turf_cut_all(*, cycle: Cycle | None = None, actor: User | None = None, recut: bool = False) -> list[Turf]:
    """Fill every active, unlocked turf of the cycle, neighbors taking turns (a fair draft).

    With `recut`, every unlocked list is emptied first and cut again from scratch: only when staff
    ask for it, because leaders keep their neighbors all cycle. Only batch work calls this (a task,
    a command, a new cycle): statewide it reads and writes millions of rows, past the request timeout.
    """
    cycle = _require_cycle(cycle)
    with without_request_timeout():
        turfs = cut_all(cycle, actor=actor, recut=recut)
        # Every leader with voters on an open list now has turf, carried over or cut just now.
        delivered = Turf.objects.filter(cycle=cycle, status=Turf.Status.ACTIVE).filter(
            Exists(Entry.objects.filter(turf=OuterRef("pk")))
        )
        turf_delivered(delivered.values_list("leader_id", flat=True), by=actor)
    return turfs


@transaction.atomic
def turf_recut(*, turf: Turf, actor: User | None) -> Turf:
    """Empty one leader's lists and cut them again from what is free (their old voters included)."""
    lock_cycle(turf.cycle)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    _require_editable(turf)
    home = anchor_of(User.objects.select_related("voter__household").get(pk=turf.leader_id))
    set_anchor(turf, home)
    turf.save()
    removed = release(turf)
    added = fill([turf], {turf.pk: home})[turf.pk]
    _record(turf, leader=turf.leader, actor=actor, action=Change.Action.RECUT, added=added, removed=removed)
    return turf


# --- leaving, locking, hand edits -----------------------------------------------------------------


def _close(turf: Turf, *, actor: User | None) -> tuple[Turf, bool]:
    """Close a turf under the cycle's lock, its voters back to the pool; return it and whether it closed."""
    lock_cycle(turf.cycle)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    if not turf.is_active:
        return turf, False
    removed = release(turf)
    turf.status, turf.locked = Turf.Status.QUIT, False
    turf.save(update_fields=["status", "locked"])
    _record(turf, leader=turf.leader, actor=actor, action=Change.Action.QUIT, removed=removed)
    return turf, True


@transaction.atomic
def turf_quit(*, turf: Turf, actor: User | None) -> Turf:
    """Close a leader's turf: their voters go back to the pool; nobody else's lists change."""
    turf, closed = _close(turf, actor=actor)
    if closed:
        record_stage(turf.leader, Stage.QUIT, by=actor, reason="their turf was closed")
    return turf


@transaction.atomic
def leader_deactivate(*, leader: User, actor: User, reason: str) -> Turf | None:
    """Mark a leader inactive: this cycle's turf closes and its voters go back to the pool.

    Unlike quitting, the leader keeps their account and comes back where they were when they are
    approved or report a contact again. Return the closed turf, if they had any.
    """
    turf = Turf.objects.current().filter(leader=leader).first()
    if turf is not None:
        turf, _ = _close(turf, actor=actor)
    record_stage(leader, Stage.INACTIVE, by=actor, reason=reason or "deactivated")
    return turf


@transaction.atomic
def turf_set_locked(*, turf: Turf, actor: User, locked: bool) -> Turf:
    """Lock a leader's lists against every cut and edit, or unlock them."""
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    if not turf.is_active:
        raise TurfError(f"{turf.leader} has quit: their lists are closed.")
    if turf.locked != locked:
        turf.locked = locked
        turf.save(update_fields=["locked"])
        _record(
            turf,
            leader=turf.leader,
            actor=actor,
            action=Change.Action.LOCK if locked else Change.Action.UNLOCK,
        )
    return turf


def _distance(turf: Turf, household: Household | None) -> tuple[float | None, bool]:
    if household is None or not household.is_geocoded:
        return None, False
    if turf.latitude is None:
        return None, True
    return haversine_m(turf.latitude, turf.longitude, household.latitude, household.longitude), True


@transaction.atomic
def turf_add_voters(*, turf: Turf, voters: list[Voter], list_name: str, actor: User) -> list[int]:
    """Put chosen voters on a leader's list by hand; refuse any who are listed, suppressed or gone."""
    lock_cycle(turf.cycle)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    _require_editable(turf)
    ids = [voter.pk for voter in voters]
    eligible = free_voters(turf.cycle).filter(pk__in=ids)
    if list_name == Entry.List.CALL:
        eligible = eligible.filter(Exists(Phone.objects.callable().filter(voter=OuterRef("pk"))))
    eligible_ids = set(eligible.values_list("pk", flat=True))
    refused = [voter for voter in voters if voter.pk not in eligible_ids]
    if refused:
        names = ", ".join(f"{voter} ({voter.pk})" for voter in refused[:5])
        why = "already listed, suppressed, unregistered" + (
            " or without a phone" if list_name == "call" else ""
        )
        raise TurfError(f"Not added: {names} — {why}.")
    entries = []
    for voter in voters:
        distance, located = _distance(turf, voter.household)
        entries.append(
            Entry(
                turf=turf,
                cycle_id=turf.cycle_id,
                voter=voter,
                household=voter.household,
                list=list_name,
                distance_m=distance,
                located=located,
            )  # fmt: skip
        )
    Entry.objects.bulk_create(entries)
    PoolVoter.objects.filter(voter_id__in=ids).delete()
    turf_delivered([turf.leader_id], by=actor, reason="voters added by hand")
    refresh_medians([turf])
    _record(
        turf,
        leader=turf.leader,
        actor=actor,
        action=Change.Action.ADD,
        added=ids,
        note=f"to the {list_name} list",
    )
    return ids


@transaction.atomic
def turf_remove_voters(*, turf: Turf, voter_ids: list[int], actor: User) -> list[int]:
    """Take chosen voters off a leader's lists; they go back to the pool."""
    lock_cycle(turf.cycle)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    _require_editable(turf)
    removed = release(turf, voter_ids)
    if removed:
        refresh_medians([turf])
        _record(turf, leader=turf.leader, actor=actor, action=Change.Action.REMOVE, removed=removed)
    return removed


@transaction.atomic
def turf_move_voters(*, source: Turf, target: Turf, voter_ids: list[int], actor: User) -> list[int]:
    """Move chosen voters from one leader's lists to another's in the same cycle, keeping the list."""
    if source.cycle_id != target.cycle_id or source.pk == target.pk:
        raise TurfError("Voters move only between two different leaders in the same cycle.")
    lock_cycle(source.cycle)
    source, target = (Turf.objects.select_for_update().get(pk=turf.pk) for turf in (source, target))
    _require_editable(source)
    _require_editable(target)
    entries = list(source.entries.filter(voter_id__in=voter_ids).select_related("household"))
    for entry in entries:
        entry.turf = target
        entry.distance_m, entry.located = _distance(target, entry.household)
    Entry.objects.bulk_update(entries, ["turf", "distance_m", "located"])
    moved = sorted(entry.voter_id for entry in entries)
    if moved:
        turf_delivered([target.leader_id], by=actor, reason="voters moved in")
        refresh_medians([source, target])
        _record(source, leader=source.leader, actor=actor, action=Change.Action.MOVE_OUT, removed=moved,
                note=f"to {target.leader}")  # fmt: skip
        _record(target, leader=target.leader, actor=actor, action=Change.Action.MOVE_IN, added=moved,
                note=f"from {source.leader}")  # fmt: skip
    return moved


# --- homes and cycles -----------------------------------------------------------------------------


@transaction.atomic
def turf_link_home(*, leader: User, voter: Voter, actor: User) -> User:
    """Link a leader to their own voter record, whose household anchors their turf: staff or the
    county's coordinator do it, so the link is approved as it is made."""
    leader = User.objects.select_for_update().get(pk=leader.pk)
    if User.objects.filter(voter=voter).exclude(pk=leader.pk).exists():
        raise TurfError("That voter record already belongs to another account: ask state staff.")
    if leader.voter_id == voter.pk and leader.home_is_verified:
        return leader
    leader.voter = voter
    leader.home_verified_at, leader.home_verified_by = timezone.now(), actor
    leader.save(update_fields=["voter", "home_verified_at", "home_verified_by"])
    turf = Turf.objects.current().filter(leader=leader).first()
    _record(turf, leader=leader, actor=actor, action=Change.Action.HOME, note=f"voter {voter.pk}")
    return leader


@transaction.atomic
def turf_claim_home(*, leader: User, voter: Voter) -> User:
    """Record the voter record a leader found as theirs: only a claim until staff approve it."""
    leader = User.objects.select_for_update().get(pk=leader.pk)
    if leader.voter_id is not None:
        raise TurfError("Your voter record is set already: ask your coordinator to change it.")
    if User.objects.filter(voter=voter).exists():
        raise TurfError("That voter record already belongs to another account: ask your coordinator.")
    leader.voter, leader.home_verified_at, leader.home_verified_by = voter, None, None
    leader.save(update_fields=["voter", "home_verified_at", "home_verified_by"])
    _record(None, leader=leader, actor=leader, action=Change.Action.HOME, note=f"claimed voter {voter.pk}")
    return leader


@transaction.atomic
def turf_approve_leader(*, leader: User, actor: User) -> Turf:
    """Approve a leader and their claim to their voter record, then cut their turf.

    From now on they see voters. The pipeline records the approval and then, once the cut gave
    them neighbors, their turf as delivered.
    """
    leader = User.objects.select_for_update().get(pk=leader.pk)
    if leader.voter_id is None:
        raise TurfError(f"{leader} has no voter record yet: link their home first.")
    record_stage(leader, Stage.APPROVED, by=actor, reason="approved")
    if not leader.home_is_verified:
        leader.home_verified_at, leader.home_verified_by = timezone.now(), actor
        leader.save(update_fields=["home_verified_at", "home_verified_by"])
        _record(
            None,
            leader=leader,
            actor=actor,
            action=Change.Action.HOME,
            note=f"approved voter {leader.voter_id}",
        )
    return turf_cut_for_leader(leader=leader, actor=actor)


@transaction.atomic
def turf_reject_claim(*, leader: User, actor: User) -> User:
    """Refuse a leader's claim to a voter record: they see nothing of it and may search again."""
    leader = User.objects.select_for_update().get(pk=leader.pk)
    if leader.voter_id is None:
        return leader
    if Turf.objects.filter(leader=leader, status=Turf.Status.ACTIVE).current().exists():
        raise TurfError(f"{leader} has turf this cycle: close it before unlinking their home.")
    note = f"rejected voter {leader.voter_id}"
    leader.voter, leader.home_verified_at, leader.home_verified_by = None, None, None
    leader.save(update_fields=["voter", "home_verified_at", "home_verified_by"])
    _record(None, leader=leader, actor=actor, action=Change.Action.HOME, note=note)
    return leader


@transaction.atomic
def cycle_start(*, name: str, election_date: date, actor: User | None = None) -> Cycle:
    """Start a new cycle: each active leader keeps last cycle's neighbors who are still here.

    Voters who moved, died or left the rolls (suppressed or unregistered) stay behind; the gaps are
    then filled for everyone at once with the fair draft.
    """
    previous = Cycle.current()
    if previous is not None:
        lock_cycle(previous)
        Cycle.objects.filter(pk=previous.pk).update(is_active=False)
    cycle = Cycle.objects.create(name=name, election_date=election_date, is_active=True)
    if previous is None:
        return cycle
    carried: list[tuple[Turf, list[int]]] = []
    rows = []
    for old in Turf.objects.filter(cycle=previous, status=Turf.Status.ACTIVE).select_related("leader"):
        new = Turf.objects.create(
            cycle=cycle, leader=old.leader, locked=old.locked, county=old.county, precinct=old.precinct,
            anchor=old.anchor, latitude=old.latitude, longitude=old.longitude,
        )  # fmt: skip
        kept = list(
            old.entries.listed().values_list("voter_id", "household_id", "list", "distance_m", "located")
        )
        rows += [(new.pk, cycle.pk, *entry) for entry in kept]
        carried.append((new, [entry[0] for entry in kept]))
    insert_entries(rows)
    Change.objects.bulk_create(
        [
            Change(
                turf=turf,
                leader=turf.leader,
                actor=actor,
                action=Change.Action.CARRY_OVER,
                added=voters,
                note=f"from {previous}",
            )
            for turf, voters in carried
        ]  # fmt: skip
    )
    turf_cut_all(cycle=cycle, actor=actor)
    return cycle
