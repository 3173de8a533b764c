"""The free pool: the geocoded voters no list holds, kept in a table a cut searches nearest first.

It is rebuilt from the rules in turf.eligibility (nightly, after an import, when a cut finds it
never built), rechecked for the voters a change touches, and refilled by a full cut with what it
left. A full rebuild takes the cycle's row lock (lock_cycle) to write; the other writes run
inside a verb of turf.services that holds it.
"""

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from lib.batch import without_request_timeout
from turf.eligibility import call_pool, door_pool
from turf.models import Cycle, Entry, PoolVoter, Turf


def lock_cycle(cycle: Cycle) -> None:
    """Take the cycle's row lock: two cuts or pool writes in one cycle run one after the other."""
    Cycle.objects.select_for_update().filter(pk=cycle.pk).exists()


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
        lock_cycle(cycle)
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


def pool_replace(cycle: Cycle, left: dict[str, dict[int, tuple[float, float]]], taken: set[int]) -> None:
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


def nearest_free(turf: Turf, list_name: str, count: int) -> tuple[list[int], float]:
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
