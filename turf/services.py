"""Every write to turf: cutting, recutting, hand edits, locking, quitting, new cycles, home links.

Each function takes the cycle's row lock first, so two cuts in one cycle run one after the other
and never both hand out the same neighbor; each records a Change (who, when, which voters).
"""

import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from contacts import party
from contacts.models import Household, Phone, Suppression, Voter
from leaders.models import User
from lib.batch import without_request_timeout
from turf.cutting import Item, Pool, Seeker, draft, haversine_m
from turf.models import Change, Cycle, Entry, PoolVoter, Turf

log = logging.getLogger(__name__)


class TurfError(Exception):
    """A turf action that cannot be done, with a sentence for the person who asked."""


# --- reading the pool -----------------------------------------------------------------------------


def free_voters(cycle: Cycle) -> QuerySet:
    """Registered, unsuppressed voters on nobody's list this cycle."""
    suppressed = Suppression.objects.in_force().filter(voter=OuterRef("pk"), phone__isnull=True)
    listed = Entry.objects.filter(cycle=cycle, voter=OuterRef("pk"))
    return (
        Voter.objects.registered()
        .filter(household__isnull=False)
        .exclude(Exists(suppressed))
        .exclude(Exists(listed))
    )


def callable_phones() -> QuerySet:
    """Phone numbers nobody has reported wrong, disconnected or off limits."""
    return Phone.objects.exclude(Exists(Suppression.objects.in_force().filter(phone=OuterRef("pk"))))


def call_pool(cycle: Cycle) -> QuerySet:
    """Free likely Democrats with a number to call."""
    with_phone = free_voters(cycle).filter(Exists(callable_phones().filter(voter=OuterRef("pk"))))
    return party.likely_democrats(with_phone)


def door_pool(cycle: Cycle) -> QuerySet:
    """Free voters whose preference nobody knows yet."""
    return party.needing_id(free_voters(cycle))


POOL_FIELDS = (
    "id",
    "household_id",
    "household__latitude",
    "household__longitude",
    "household__county",
    "household__precinct",
    "household__street_name",
    "household__house_number",
)


def _precinct_centres(precincts: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
    """Return the mean geocode of each (county, precinct), for households that have none of their own."""
    if not precincts:
        return {}
    located = Household.objects.filter(latitude__isnull=False, longitude__isnull=False)
    if len(precincts) <= 50:
        pairs = Q()
        for county, precinct in precincts:
            pairs |= Q(county=county, precinct=precinct)
        located = located.filter(pairs)
    rows = located.values_list("county", "precinct").annotate(lat=Avg("latitude"), lon=Avg("longitude"))
    return {
        (county, precinct): (lat, lon)
        for county, precinct, lat, lon in rows
        if (county, precinct) in precincts
    }


def _items(rows: Iterable[tuple], *, by_household: bool, exclude: set[int] = frozenset()) -> list[Item]:
    """Turn pool rows into items: one per voter (calls) or one per household (doors)."""
    rows = [row for row in rows if row[0] not in exclude]
    unlocated = {(row[4], row[5]) for row in rows if row[2] is None or row[3] is None}
    centres = _precinct_centres(unlocated)
    grouped: dict[int, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[1] if by_household else row[0], []).append(row)
    items = []
    for key, members in grouped.items():
        _, household, lat, lon, county, precinct, street, number = members[0]
        located = lat is not None and lon is not None
        if not located:
            lat, lon = centres.get((county, precinct), (None, None))
        items.append(
            Item(
                key=key,
                voters=tuple(sorted(row[0] for row in members)),
                household=household,
                lat=lat,
                lon=lon,
                located=located,
                county=county,
                precinct=precinct,
                street=street,
                number=number,
            )
        )
    return items


# --- anchors --------------------------------------------------------------------------------------


def _anchor(leader: User) -> dict:
    """Where a leader's lists are measured from: their home, else their precinct's or county's centre."""
    voter = leader.voter
    if voter is None:
        raise TurfError(f"{leader} is not linked to their voter record yet: link their home first.")
    household = voter.household
    county = household.county if household else voter.county
    precinct = household.precinct if household and household.precinct else voter.precinct
    anchor = {
        "county": county,
        "precinct": precinct,
        "street": household.street_name if household else "",
        "number": household.house_number if household else None,
    }
    if household is not None and household.is_geocoded:
        return anchor | {
            "anchor": Turf.Anchor.HOME,
            "latitude": household.latitude,
            "longitude": household.longitude,
        }
    located = Household.objects.filter(county=county, latitude__isnull=False, longitude__isnull=False)
    for kind, rows in (
        (Turf.Anchor.PRECINCT, located.filter(precinct=precinct)),
        (Turf.Anchor.COUNTY, located),
    ):
        centre = rows.aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
        if centre["lat"] is not None:
            return anchor | {"anchor": kind, "latitude": centre["lat"], "longitude": centre["lon"]}
    return anchor | {"anchor": Turf.Anchor.NONE, "latitude": None, "longitude": None}


def _seeker(turf: Turf, home: dict, quota: int) -> Seeker:
    return Seeker(
        key=turf.pk,
        lat=turf.latitude,
        lon=turf.longitude,
        county=turf.county,
        precinct=turf.precinct,
        quota=quota,
        street=home["street"],
        number=home["number"],
    )


# --- writing --------------------------------------------------------------------------------------


def _lock(cycle: Cycle) -> None:
    Cycle.objects.select_for_update().filter(pk=cycle.pk).exists()


def _insert_entries(rows: list[tuple]) -> None:
    """Insert (turf, cycle, voter, household, list, distance, located) rows with COPY."""
    if not rows:
        return
    now = timezone.now()
    # COPY: a statewide cut writes hundreds of thousands of rows, ten times faster than INSERTs.
    with connection.cursor() as cursor:
        columns = "turf_id, cycle_id, voter_id, household_id, list, distance_m, located, added_at"
        with cursor.copy(f"COPY turf_entry ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, now))


def _entry_rows(turf: Turf, picks, list_name: str) -> list[tuple]:
    return [
        (turf.pk, turf.cycle_id, voter, item.household, list_name, distance, item.located)
        for item, distance in picks
        for voter in item.voters
    ]


def _refresh_medians(turfs: list[Turf]) -> None:
    """Store each list's median distance, which staff compare between neighbors."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE turf_turf SET cut_at = now(),
                call_median_m = (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY e.distance_m)
                                 FROM turf_entry e WHERE e.turf_id = turf_turf.id AND e.list = 'call'),
                door_median_m = (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY e.distance_m)
                                 FROM turf_entry e WHERE e.turf_id = turf_turf.id AND e.list = 'door')
            WHERE id = ANY(%s)
            RETURNING id, call_median_m, door_median_m, cut_at
            """,
            [[turf.pk for turf in turfs]],
        )
        fresh = {row[0]: row[1:] for row in cursor.fetchall()}
    for turf in turfs:
        turf.call_median_m, turf.door_median_m, turf.cut_at = fresh[turf.pk]


def _save_anchors(turfs: list[Turf]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE turf_turf SET county = %s, precinct = %s, anchor = %s, latitude = %s, longitude = %s WHERE id = %s",
            [(t.county, t.precinct, t.anchor, t.latitude, t.longitude, t.pk) for t in turfs],
        )


def _set_anchor(turf: Turf, home: dict) -> None:
    turf.county, turf.precinct, turf.anchor = home["county"], home["precinct"], home["anchor"]
    turf.latitude, turf.longitude = home["latitude"], home["longitude"]


def _counts(turfs: list[Turf]) -> dict[tuple[int, str], int]:
    rows = Entry.objects.filter(turf__in=turfs).values_list("turf_id", "list").annotate(n=Count("pk"))
    return {(turf_id, list_name): n for turf_id, list_name, n in rows}


# --- the free pool: nearest free voters for one leader, by index -------------------------------


def pool_rebuild(*, cycle: Cycle, voter_ids: list[int] | None = None) -> None:
    """Rebuild the free pool of the cycle (or just re-check these voters) from the live rules.

    A full rebuild reads millions of voters statewide, for a minute or more: it works out the new
    pool first, then takes the cycle's lock only to write what changed. Meanwhile cuts read the old
    pool, which stays whole until the new one commits; a voter a cut takes in between is left out.
    The request timeout does not apply to it; the caller's comes back when it is done.
    """
    if voter_ids is not None:
        if voter_ids:
            _pool_recheck(cycle, voter_ids)
        return
    sql, params = _pool_query(cycle, voter_ids=None)
    with transaction.atomic(), without_request_timeout(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE turf_pool_fresh (voter_id bigint PRIMARY KEY, latitude float8 NOT NULL,"
            " longitude float8 NOT NULL, call boolean NOT NULL, door boolean NOT NULL) ON COMMIT DROP"
        )
        cursor.execute(f"INSERT INTO turf_pool_fresh {sql}", params)  # noqa: S608 (the ORM's compiled rules)
        cursor.execute("ANALYZE turf_pool_fresh")
        _lock(cycle)
        cursor.execute(
            "DELETE FROM turf_poolvoter p"
            " WHERE NOT EXISTS (SELECT 1 FROM turf_pool_fresh f WHERE f.voter_id = p.voter_id)"
        )
        cursor.execute(
            """
            UPDATE turf_poolvoter p
            SET cycle_id = %s, latitude = f.latitude, longitude = f.longitude, call = f.call, door = f.door
            FROM turf_pool_fresh f
            WHERE p.voter_id = f.voter_id
              AND (p.cycle_id, p.latitude, p.longitude, p.call, p.door)
                  IS DISTINCT FROM (%s, f.latitude, f.longitude, f.call, f.door)
            """,
            [cycle.pk, cycle.pk],
        )
        cursor.execute(
            """
            INSERT INTO turf_poolvoter (voter_id, cycle_id, latitude, longitude, call, door)
            SELECT f.voter_id, %s, f.latitude, f.longitude, f.call, f.door FROM turf_pool_fresh f
            WHERE NOT EXISTS (SELECT 1 FROM turf_entry e WHERE e.cycle_id = %s AND e.voter_id = f.voter_id)
            ON CONFLICT (voter_id) DO NOTHING
            """,
            [cycle.pk, cycle.pk],
        )
        # Dropped now, not at commit: a cut that rebuilt the pool may rebuild it again before then.
        cursor.execute("DROP TABLE turf_pool_fresh")
        Cycle.objects.filter(pk=cycle.pk).update(pool_built_at=timezone.now())
    cycle.pool_built_at = timezone.now()


def _pool_query(cycle: Cycle, *, voter_ids: list[int] | None) -> tuple[str, list]:
    """Return the SQL of the pool as the rules build it: voter_id, latitude, longitude, call, door.

    Set-based: the ORM compiles the rules, the database evaluates them for every voter at once.
    """
    parts, params = [], []
    for flag, pool in (("call", call_pool(cycle)), ("door", door_pool(cycle))):
        located = pool.filter(household__latitude__isnull=False, household__longitude__isnull=False)
        if voter_ids is not None:
            located = located.filter(pk__in=voter_ids)
        sql, more = located.values_list(
            "pk", "household__latitude", "household__longitude"
        ).query.sql_with_params()
        parts.append(f"SELECT id, lat, lon, %s, %s FROM ({sql}) AS free (id, lat, lon)")  # noqa: S608
        params += [flag == "call", flag == "door", *more]
    # A voter on both lists' rules gets one row: the two rows agree on where they live.
    return (
        "SELECT id, min(lat), min(lon), bool_or(call), bool_or(door) "  # noqa: S608 (compiled rules only)
        f"FROM ({' UNION ALL '.join(parts)}) AS pooled (id, lat, lon, call, door) GROUP BY id",
        params,
    )


def _pool_recheck(cycle: Cycle, voter_ids: list[int]) -> None:
    """Put these voters back in the pool or take them out, as the rules say now."""
    sql, params = _pool_query(cycle, voter_ids=voter_ids)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM turf_poolvoter WHERE voter_id = ANY(%s)", [list(voter_ids)])
        cursor.execute(
            "INSERT INTO turf_poolvoter (voter_id, cycle_id, latitude, longitude, call, door) "  # noqa: S608
            f"SELECT id, %s, lat, lon, call, door FROM ({sql}) AS fresh (id, lat, lon, call, door)",
            [cycle.pk, *params],
        )


def _pool_replace(cycle: Cycle, left: dict[str, dict[int, tuple[float, float]]], taken: set[int]) -> None:
    """Refill the pool with what a full cut left over: the same rules, already evaluated."""
    calls, doors = left[Entry.List.CALL], left[Entry.List.DOOR]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM turf_poolvoter")
        columns = "voter_id, cycle_id, latitude, longitude, call, door"
        with cursor.copy(f"COPY turf_poolvoter ({columns}) FROM STDIN") as copy:
            for voter in (calls.keys() | doors.keys()) - taken:
                lat, lon = calls.get(voter) or doors[voter]
                copy.write_row((voter, cycle.pk, lat, lon, voter in calls, voter in doors))
    Cycle.objects.filter(pk=cycle.pk).update(pool_built_at=timezone.now())


def _nearest_free(turf: Turf, list_name: str, count: int) -> tuple[list[int], float]:
    """Return the `count` pooled voters nearest the anchor for a list, and how far the last one is."""
    here = (turf.latitude, turf.longitude)
    rows = list(
        PoolVoter.objects.filter(**{list_name: True})
        .annotate(
            distance=RawSQL("earth_distance(ll_to_earth(latitude, longitude), ll_to_earth(%s, %s))", here)
        )
        .order_by(RawSQL("ll_to_earth(latitude, longitude) <-> ll_to_earth(%s, %s)", here))
        .values_list("voter_id", "distance")[:count]
    )
    # Fewer than asked for: the pool holds no more, so nothing further out is missing.
    reach = rows[-1][1] if len(rows) == count else float("inf")
    return [voter for voter, _ in rows], reach


def _picks_near(turf: Turf, seeker: Seeker, pool: QuerySet, *, list_name: str, taken: set[int]) -> list:
    """Cut one leader from the pooled voters nearest them, each checked against the live rules."""
    max_m = settings.TURF_MAX_DISTANCE_KM * 1000.0
    by_household = list_name == Entry.List.DOOR
    local = []
    if turf.precinct:
        unlocated = pool.filter(
            household__latitude__isnull=True, household__county=turf.county, household__precinct=turf.precinct
        )
        local = list(unlocated.values_list(*POOL_FIELDS))
    count = max(4 * seeker.quota, 100)
    while True:
        nearby, reach = [], float("inf")
        if turf.latitude is not None:
            ids, reach = _nearest_free(turf, list_name, count)
            nearby = list(pool.filter(pk__in=ids).values_list(*POOL_FIELDS))
        attempt = replace(seeker, picks=[], count=0)
        draft(
            Pool(_items(nearby + local, by_household=by_household, exclude=taken)),
            [attempt],
            max_distance_m=max_m,
        )
        furthest = max((distance or 0.0 for _, distance in attempt.picks), default=0.0)
        # Exact once the leader is full inside what was read: nothing further out is nearer.
        if (attempt.count >= attempt.quota and furthest <= reach) or reach >= max_m:
            return attempt.picks
        count *= 4


def _fill(turfs: list[Turf], homes: dict[int, dict]) -> dict[int, list[int]]:
    """Top every turf up to the list sizes from the free pool; return the voters added to each.

    One turf reads only the households around it; several read the whole pool once and draft.
    """
    turfs = [turf for turf in turfs if turf.is_active and not turf.locked]
    if not turfs:
        return {}
    cycle = turfs[0].cycle
    counts = _counts(turfs)
    sizes = {Entry.List.CALL: settings.TURF_CALL_LIST_SIZE, Entry.List.DOOR: settings.TURF_DOOR_LIST_SIZE}
    by_pk = {turf.pk: turf for turf in turfs}
    added: dict[int, list[int]] = {turf.pk: [] for turf in turfs}
    rows: list[tuple] = []
    taken: set[int] = set()
    left: dict[str, dict[int, tuple[float, float]]] = {}  # geocoded voters nobody picked, per list
    # Calls first: likely Democrats with a phone are the scarcer neighbors.
    for list_name, pool in ((Entry.List.CALL, call_pool(cycle)), (Entry.List.DOOR, door_pool(cycle))):
        by_household = list_name == Entry.List.DOOR
        seekers = [
            _seeker(turf, homes[turf.pk], sizes[list_name] - counts.get((turf.pk, list_name), 0))
            for turf in turfs
        ]
        if len(turfs) == 1:
            if cycle.pool_built_at is None:
                pool_rebuild(cycle=cycle)
            picks = {turfs[0].pk: _picks_near(turfs[0], seekers[0], pool, list_name=list_name, taken=taken)}
        else:
            started = time.perf_counter()
            rows_read = list(pool.values_list(*POOL_FIELDS).iterator(chunk_size=20_000))
            read = time.perf_counter()
            items = Pool(_items(rows_read, by_household=by_household, exclude=taken))
            built = time.perf_counter()
            draft(items, seekers, max_distance_m=settings.TURF_MAX_DISTANCE_KM * 1000.0)
            log.info(
                "%s pool: %d rows read in %.1f s, %d items indexed in %.1f s, %d leaders drafted in %.1f s",
                list_name, len(rows_read), read - started, len(items.items), built - read, len(seekers),
                time.perf_counter() - built,
            )  # fmt: skip
            picks = {seeker.key: seeker.picks for seeker in seekers}
            left[list_name] = {
                voter: (item.lat, item.lon)
                for index, item in enumerate(items.items)
                if item.located and not items.taken[index]
                for voter in item.voters
            }
        for turf_pk, chosen in picks.items():
            new = _entry_rows(by_pk[turf_pk], chosen, list_name)
            rows += new
            added[turf_pk] += [row[2] for row in new]
            taken.update(row[2] for row in new)
    started = time.perf_counter()
    _insert_entries(rows)
    _refresh_medians(turfs)
    if len(turfs) > 1:
        _pool_replace(cycle, left, taken)
        log.info("%d entries written, free pool rebuilt in %.1f s", len(rows), time.perf_counter() - started)
    else:
        PoolVoter.objects.filter(voter_id__in=taken).delete()
    return added


def _release(turf: Turf, voter_ids: list[int] | None = None) -> list[int]:
    """Take voters (default: all) off the turf's lists, back into the pool; return who they were."""
    entries = turf.entries.all() if voter_ids is None else turf.entries.filter(voter_id__in=voter_ids)
    voters = list(entries.values_list("voter_id", flat=True))
    entries.delete()
    pool_rebuild(cycle=turf.cycle, voter_ids=voters)
    return voters


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
    _lock(cycle)
    home = _anchor(User.objects.select_related("voter__household").get(pk=leader.pk))
    turf, created = Turf.objects.get_or_create(
        cycle=cycle, leader=leader, defaults={"county": home["county"]}
    )
    if turf.locked:
        return turf
    rejoined = turf.status == Turf.Status.QUIT
    turf.status = Turf.Status.ACTIVE
    _set_anchor(turf, home)
    turf.save()
    added = _fill([turf], {turf.pk: home})[turf.pk]
    if added or created or rejoined:
        _record(turf, leader=leader, actor=actor, action=Change.Action.CUT, added=added)
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
        return _cut_all(cycle, actor=actor, recut=recut)


def _cut_all(cycle: Cycle, *, actor: User | None, recut: bool) -> list[Turf]:
    _lock(cycle)
    turfs = list(
        Turf.objects.filter(cycle=cycle, status=Turf.Status.ACTIVE, locked=False).select_related(
            "cycle", "leader__voter__household"
        )
    )
    homes, cuttable = {}, []
    for turf in turfs:
        try:
            homes[turf.pk] = _anchor(turf.leader)
        except TurfError:
            continue  # a home unlinked since the last cut: staff relink it, then recut that leader
        _set_anchor(turf, homes[turf.pk])
        cuttable.append(turf)
    _save_anchors(cuttable)
    removed = {turf.pk: [] for turf in cuttable}
    if recut:
        pairs = Entry.objects.filter(turf__in=cuttable).values_list("turf_id", "voter_id")
        for turf_id, voter_id in pairs.iterator(chunk_size=20_000):
            removed[turf_id].append(voter_id)
        Entry.objects.filter(turf__in=cuttable).delete()
    added = _fill(cuttable, homes)
    action = Change.Action.RECUT if recut else Change.Action.CUT
    Change.objects.bulk_create(
        [
            Change(
                turf=turf,
                leader_id=turf.leader_id,
                actor=actor,
                action=action,
                added=added.get(turf.pk, []),
                removed=removed[turf.pk],
            )  # fmt: skip
            for turf in cuttable
            if added.get(turf.pk) or removed[turf.pk]
        ],
        batch_size=2000,
    )
    return cuttable


@transaction.atomic
def turf_recut(*, turf: Turf, actor: User | None) -> Turf:
    """Empty one leader's lists and cut them again from what is free (their old voters included)."""
    _lock(turf.cycle)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    _require_editable(turf)
    home = _anchor(User.objects.select_related("voter__household").get(pk=turf.leader_id))
    _set_anchor(turf, home)
    turf.save()
    removed = _release(turf)
    added = _fill([turf], {turf.pk: home})[turf.pk]
    _record(turf, leader=turf.leader, actor=actor, action=Change.Action.RECUT, added=added, removed=removed)
    return turf


# --- leaving, locking, hand edits -----------------------------------------------------------------


@transaction.atomic
def turf_quit(*, turf: Turf, actor: User | None) -> Turf:
    """Close a leader's turf: their voters go back to the pool; nobody else's lists change."""
    _lock(turf.cycle)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    if not turf.is_active:
        return turf
    removed = _release(turf)
    turf.status, turf.locked = Turf.Status.QUIT, False
    turf.save(update_fields=["status", "locked"])
    _record(turf, leader=turf.leader, actor=actor, action=Change.Action.QUIT, removed=removed)
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
    _lock(turf.cycle)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    _require_editable(turf)
    ids = [voter.pk for voter in voters]
    eligible = free_voters(turf.cycle).filter(pk__in=ids)
    if list_name == Entry.List.CALL:
        eligible = eligible.filter(Exists(callable_phones().filter(voter=OuterRef("pk"))))
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
    _refresh_medians([turf])
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
    _lock(turf.cycle)
    turf = Turf.objects.select_for_update().get(pk=turf.pk)
    _require_editable(turf)
    removed = _release(turf, voter_ids)
    if removed:
        _refresh_medians([turf])
        _record(turf, leader=turf.leader, actor=actor, action=Change.Action.REMOVE, removed=removed)
    return removed


@transaction.atomic
def turf_move_voters(*, source: Turf, target: Turf, voter_ids: list[int], actor: User) -> list[int]:
    """Move chosen voters from one leader's lists to another's in the same cycle, keeping the list."""
    if source.cycle_id != target.cycle_id or source.pk == target.pk:
        raise TurfError("Voters move only between two different leaders in the same cycle.")
    _lock(source.cycle)
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
        _refresh_medians([source, target])
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
    """Approve a leader's claim to their voter record and cut their turf: from now on they see voters."""
    leader = User.objects.select_for_update().get(pk=leader.pk)
    if leader.voter_id is None:
        raise TurfError(f"{leader} has no voter record yet: link their home first.")
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
        _lock(previous)
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
    _insert_entries(rows)
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
