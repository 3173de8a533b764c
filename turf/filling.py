"""Fill leaders' lists from the free pool: where each list is measured from, picks, and the rows written.

One leader's cut reads the pooled voters nearest them; a cut of many drafts from the whole pool
(turf.cutting). Callers hold the cycle's row lock (turf.pool.lock_cycle); cut_all takes it itself.
"""

import logging
import time
from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from contacts.models import Household
from leaders.models import User
from turf.cutting import Item, Pool, Seeker, draft
from turf.eligibility import call_pool, door_pool
from turf.models import Change, Cycle, Entry, PoolVoter, Turf
from turf.pool import lock_cycle, nearest_free, pool_rebuild, pool_replace

log = logging.getLogger(__name__)


class TurfError(Exception):
    """A turf action that cannot be done, with a sentence for the person who asked."""


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


def anchor_of(leader: User) -> dict:
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


def insert_entries(rows: list[tuple]) -> None:
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


def refresh_medians(turfs: list[Turf]) -> None:
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


def set_anchor(turf: Turf, home: dict) -> None:
    turf.county, turf.precinct, turf.anchor = home["county"], home["precinct"], home["anchor"]
    turf.latitude, turf.longitude = home["latitude"], home["longitude"]


def _counts(turfs: list[Turf]) -> dict[tuple[int, str], int]:
    rows = Entry.objects.filter(turf__in=turfs).values_list("turf_id", "list").annotate(n=Count("pk"))
    return {(turf_id, list_name): n for turf_id, list_name, n in rows}


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
            ids, reach = nearest_free(turf, list_name, count)
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


def fill(turfs: list[Turf], homes: dict[int, dict]) -> dict[int, list[int]]:
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
    insert_entries(rows)
    refresh_medians(turfs)
    if len(turfs) > 1:
        pool_replace(cycle, left, taken)
        log.info("%d entries written, free pool rebuilt in %.1f s", len(rows), time.perf_counter() - started)
    else:
        PoolVoter.objects.filter(voter_id__in=taken).delete()
    return added


def release(turf: Turf, voter_ids: list[int] | None = None) -> list[int]:
    """Take voters (default: all) off the turf's lists, back into the pool; return who they were."""
    entries = turf.entries.all() if voter_ids is None else turf.entries.filter(voter_id__in=voter_ids)
    voters = list(entries.values_list("voter_id", flat=True))
    entries.delete()
    pool_rebuild(cycle=turf.cycle, voter_ids=voters)
    return voters


def cut_all(cycle: Cycle, *, actor: User | None, recut: bool) -> list[Turf]:
    """Fill every active, unlocked turf of the cycle (emptied first with `recut`); return those cut."""
    lock_cycle(cycle)
    turfs = list(
        Turf.objects.filter(cycle=cycle, status=Turf.Status.ACTIVE, locked=False).select_related(
            "cycle", "leader__voter__household"
        )
    )
    homes, cuttable = {}, []
    for turf in turfs:
        try:
            homes[turf.pk] = anchor_of(turf.leader)
        except TurfError:
            continue  # a home unlinked since the last cut: staff relink it, then recut that leader
        set_anchor(turf, homes[turf.pk])
        cuttable.append(turf)
    _save_anchors(cuttable)
    removed = {turf.pk: [] for turf in cuttable}
    if recut:
        pairs = Entry.objects.filter(turf__in=cuttable).values_list("turf_id", "voter_id")
        for turf_id, voter_id in pairs.iterator(chunk_size=20_000):
            removed[turf_id].append(voter_id)
        Entry.objects.filter(turf__in=cuttable).delete()
    added = fill(cuttable, homes)
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
