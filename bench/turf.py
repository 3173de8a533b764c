"""Turf cutting on a statewide-like file: all 5,000 leaders at once, then newly approved ones.

Builds its own database (bench_turf) on the same server, fills it with SQL (generate_series):
about 1.05 million voters in 540,000 households around Missouri's towns plus a rural
third, and 5,000 leaders placed where voters live (so by population, rural ones included). It
never touches the dev database and drops its own at the end (BENCH_KEEP_DB=1 keeps it).

Targets: all 5,000 in under 2 minutes; one newly approved leader p95 under 250 ms. It also times
the free pool's full rebuild (a new cycle's first one, then the nightly refresh). That runs
without the 30 s request timeout, as statewide it may take longer.
"""

import math
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.database import scratch_database  # noqa: E402

BENCH_DB = "bench_turf"
HOUSEHOLDS = int(os.environ.get("BENCH_TURF_HOUSEHOLDS", "540000"))
LEADERS = int(os.environ.get("BENCH_TURF_LEADERS", "5000"))
NEW_LEADERS = int(os.environ.get("BENCH_TURF_NEW_LEADERS", "60"))

# (name, county, latitude, longitude, share of households, spread in km)
TOWNS = [
    ("Kansas City", "Jackson", 39.0997, -94.5786, 0.20, 14),
    ("St. Louis", "St. Louis", 38.6270, -90.1994, 0.24, 16),
    ("Springfield", "Greene", 37.2090, -93.2923, 0.07, 7),
    ("Columbia", "Boone", 38.9517, -92.3341, 0.05, 5),
    ("St. Joseph", "Buchanan", 39.7675, -94.8467, 0.025, 4),
    ("Joplin", "Jasper", 37.0842, -94.5133, 0.025, 4),
    ("Jefferson City", "Cole", 38.5767, -92.1735, 0.02, 4),
    ("Cape Girardeau", "Cape Girardeau", 37.3059, -89.5181, 0.02, 4),
    ("Maryville", "Nodaway", 40.3461, -94.8725, 0.005, 2),
    ("Kirksville", "Adair", 40.1948, -92.5833, 0.01, 2),
]
RURAL_SHARE = 1 - sum(town[4] for town in TOWNS)  # about a third, spread over the state
STATE = (36.5, 40.6, -95.7, -89.2)  # south, north, west, east


def _filler(table: str, given: set[str]) -> tuple[str, str]:
    """Return columns and SQL values for NOT NULL columns the generator does not set itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT column_name, data_type FROM information_schema.columns
               WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL""",
            [table],
        )
        rows = [row for row in cursor.fetchall() if row[0] not in given]
    values = {"boolean": "false", "integer": "0", "smallint": "0", "bigint": "0", "date": "now()",
              "ARRAY": "'{}'", "jsonb": "'{}'", "json": "'{}'", "uuid": "gen_random_uuid()"}  # fmt: skip
    columns = ", ".join(name for name, _ in rows)
    sql = ", ".join(values.get(kind, "now()" if "timestamp" in kind else "''") for _, kind in rows)
    return (", " + columns, ", " + sql) if rows else ("", "")


def _generate() -> None:
    """Fill the bench database with households, voters, phones, scores, IDs and leaders."""
    start = time.perf_counter()
    household_cols = {
        "id", "address_key", "house_number", "street_name", "street_type", "city", "state", "zip_code",
        "county", "precinct", "latitude", "longitude", "street_side", "geocode_match",
    }  # fmt: skip
    extra_cols, extra_vals = _filler("contacts_household", household_cols)
    with connection.cursor() as cursor:
        # Loading is the importer's work, which runs without the request timeout; the cuts keep it.
        cursor.execute("SET statement_timeout = 0")
        offset = 0
        places = [(name, county, lat, lon, share, km) for name, county, lat, lon, share, km in TOWNS]
        places.append(("Rural", None, None, None, RURAL_SHARE, None))
        for name, county, lat, lon, share, km in places:
            count = round(HOUSEHOLDS * share)
            if county:
                # A normal spread around the town centre (Box-Muller), in degrees.
                point = f"""{lat} + {km / 111.2} * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()),
                            {lon} + {km / (111.2 * math.cos(math.radians(lat)))}
                                  * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"""
                county_sql = f"'{county}'"
            else:
                south, north, west, east = STATE
                point = f"{south} + random() * {north - south}, {west} + random() * {east - west}"
                # Rural counties: a 0.5-degree grid of made-up counties.
                county_sql = "'Rural ' || floor(lat * 2)::int || '/' || floor(-lon * 2)::int"
            cursor.execute(
                f"""
                INSERT INTO contacts_household (id, address_key, house_number, street_name, street_type, city,
                    state, zip_code, county, precinct, latitude, longitude, street_side, geocode_match
                    {extra_cols})
                SELECT g, 'bench ' || g, 100 + (g % 400) * 2, 'Street ' || floor(lat * 900)::int, 'St',
                       '{name}', 'MO', '6' || lpad((g % 10000)::text, 4, '0'), {county_sql},
                       {county_sql} || ' ' || floor(lat * 60)::int || '-' || floor(-lon * 60)::int,
                       -- 3 in 100 households the geocoder missed: they fall back to their precinct
                       CASE WHEN g % 33 = 0 THEN NULL ELSE lat END, CASE WHEN g % 33 = 0 THEN NULL ELSE lon END,
                       CASE WHEN g % 2 = 0 THEN 'L' ELSE 'R' END, 'Match' {extra_vals}
                FROM (SELECT g, {point.replace(",", " AS lat,", 1)} AS lon
                      FROM generate_series({offset + 1}, {offset + count}) AS g) AS p
                """
            )
            offset += count
        cursor.execute("SELECT setval(pg_get_serial_sequence('contacts_household', 'id'), %s)", [offset])

        voter_cols = {"id", "household_id", "first_name", "last_name", "birth_year", "declared_party", "county",
                      "precinct", "is_registered", "updated_at"}  # fmt: skip
        extra_cols, extra_vals = _filler("contacts_voter", voter_cols)
        # 1 to 4 voters a household (2.2 on average); cities lean Democratic, the countryside not.
        cursor.execute(
            f"""
            INSERT INTO contacts_voter (id, household_id, first_name, last_name, birth_year, declared_party,
                county, precinct, is_registered, updated_at {extra_cols})
            SELECT 10000000 + row_number() OVER (), h.id, 'Voter', 'No' || h.id || '-' || n,
                   1940 + (h.id * 7 + n) % 60,
                   CASE WHEN random() < 0.08 THEN 'Democratic' WHEN random() < 0.09 THEN 'Republican' ELSE '' END,
                   h.county, h.precinct, random() > 0.01, now() {extra_vals}
            FROM contacts_household h
            CROSS JOIN LATERAL generate_series(1, 1 + (h.id % 5 = 0)::int + (h.id % 3 = 0)::int
                                                 + (h.id % 7 = 0)::int + (h.id % 4 = 0)::int) AS n
            """
        )
        cursor.execute(
            """
            INSERT INTO contacts_phone (voter_id, number, kind, source, created_at)
            SELECT id, '816' || lpad((id % 10000000)::text, 7, '0'), 'cell', 'bench', now()
            FROM contacts_voter WHERE random() < 0.85
            """
        )
        cursor.execute(
            """
            INSERT INTO contacts_score (voter_id, value, source, updated_at)
            SELECT v.id, least(100, greatest(0, (CASE WHEN h.city = 'Rural' THEN 48 ELSE 62 END
                                                + 22 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::int)),
                   'bench', now()
            FROM contacts_voter v JOIN contacts_household h ON h.id = v.household_id WHERE random() < 0.85
            """
        )
        cursor.execute(
            """
            INSERT INTO contacts_partyid (voter_id, value, channel, source, recorded_at)
            SELECT id, (ARRAY[1, 2, 3, 4, 5, 9])[1 + (id % 6)], 'door', 'bench',
                   now() - (id % 1500) * interval '1 day'
            FROM contacts_voter WHERE random() < 0.02
            """
        )
        cursor.execute(
            """
            INSERT INTO contacts_suppression (voter_id, reason, created_at, decision_note)
            SELECT id, 'hostile', now(), '' FROM contacts_voter WHERE random() < 0.005
            """
        )
        cursor.execute("ANALYZE")
        cursor.execute("RESET statement_timeout")
    print(f"  generated the voter file in {time.perf_counter() - start:.0f} s", flush=True)


def _make_leaders(count: int, prefix: str) -> list[int]:
    """Make leaders out of random voters (so where people live), none of them already leading."""
    user_cols = {"id", "password", "email", "role", "counties", "voter_id", "first_name", "last_name",
                 "is_active", "is_superuser", "date_joined"}  # fmt: skip
    extra_cols, extra_vals = _filler("leaders_user", user_cols)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO leaders_user (password, email, role, counties, voter_id, first_name, last_name,
                                      is_active, is_superuser, date_joined {extra_cols})
            SELECT '!', '{prefix}' || v.id || '@bench.example', 'leader', '{{}}', v.id, 'Bench', 'Leader',
                   true, false, now() {extra_vals}
            FROM contacts_voter v
            WHERE v.is_registered AND NOT EXISTS (SELECT 1 FROM leaders_user u WHERE u.voter_id = v.id)
              AND NOT EXISTS (SELECT 1 FROM turf_entry e WHERE e.voter_id = v.id)
            ORDER BY random() LIMIT %s
            RETURNING id
            """,
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


def _fairness(cycle) -> tuple[int, int]:
    """Count pairs of leaders living within FAIRNESS_RADIUS_M of each other whose door medians are fair."""
    from turf.cutting import haversine_m
    from turf.models import FAIRNESS_RADIUS_M, Turf

    turfs = list(
        Turf.objects.filter(cycle=cycle, door_median_m__isnull=False, latitude__isnull=False).values_list(
            "pk", "latitude", "longitude", "door_median_m"
        )
    )
    cells: dict[tuple[int, int], list] = {}
    for turf in turfs:
        cells.setdefault((round(turf[1] * 100), round(turf[2] * 100)), []).append(turf)
    fair = pairs = 0
    for pk, lat, lon, median in turfs:
        row, col = round(lat * 100), round(lon * 100)
        for other in (
            t for dr in (-1, 0, 1) for dc in (-1, 0, 1) for t in cells.get((row + dr, col + dc), ())
        ):
            if other[0] > pk and haversine_m(lat, lon, other[1], other[2]) <= FAIRNESS_RADIUS_M:
                pairs += 1
                better, worse = sorted([median, other[3]])
                fair += worse <= better * settings.TURF_FAIRNESS_FACTOR
    return fair, pairs


def _measure() -> list[tuple[str, str]]:
    from leaders.models import User
    from turf.models import FAIRNESS_RADIUS_M, Cycle, PoolVoter, Turf
    from turf.pool import pool_rebuild
    from turf.services import turf_cut_all, turf_cut_for_leader

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_voter WHERE household_id IS NOT NULL")
        voters = cursor.fetchone()[0]
    cycle = Cycle.objects.create(name="Bench General", election_date="2028-11-07", is_active=True)
    leader_ids = _make_leaders(LEADERS, "leader")
    Turf.objects.bulk_create([Turf(cycle=cycle, leader_id=pk, county="") for pk in leader_ids])
    # The free pool of a new cycle, as the first single cut or the nightly task builds it.
    start = time.perf_counter()
    pool_rebuild(cycle=cycle)
    first_pool = time.perf_counter() - start, PoolVoter.objects.count()
    start = time.perf_counter()
    turfs = turf_cut_all(cycle=cycle)
    all_seconds = time.perf_counter() - start
    # The nightly refresh once everyone is cut: what is left free, checked against the rules again.
    start = time.perf_counter()
    pool_rebuild(cycle=cycle)
    refresh = time.perf_counter() - start, PoolVoter.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT list, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY distance_m)
               FROM turf_entry GROUP BY list ORDER BY list"""
        )
        listed = {name: (n, median) for name, n, median in cursor.fetchall()}
        cursor.execute(
            """SELECT count(*) FILTER (WHERE n_call >= %s), count(*) FILTER (WHERE n_door >= %s), count(*)
               FROM (SELECT turf_id, count(*) FILTER (WHERE list = 'call') n_call,
                            count(*) FILTER (WHERE list = 'door') n_door FROM turf_entry GROUP BY turf_id) t""",
            [settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE],
        )
        full_call, full_door, _ = cursor.fetchone()

    fair, pairs = _fairness(cycle)
    newcomers = _make_leaders(NEW_LEADERS, "new")
    timings = []
    for pk in newcomers:
        leader = User.objects.get(pk=pk)
        start = time.perf_counter()
        turf_cut_for_leader(leader=leader, cycle=cycle)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, math.ceil(0.95 * len(timings)) - 1)]
    return [
        ("voters (geocoded households, 3% by precinct)", f"{voters:,}"),
        (
            "free pool of a new cycle, built from the rules",
            f"{first_pool[1]:,} voters in {first_pool[0]:.1f} s",
        ),
        ("cut all leaders at once", f"{len(turfs):,} leaders in {all_seconds:.1f} s (target < 120 s)"),
        ("  voters listed: calls / doors", f"{listed['call'][0]:,} / {listed['door'][0]:,}"),
        ("  median distance: calls / doors", f"{listed['call'][1]:.0f} m / {listed['door'][1]:.0f} m"),
        ("  leaders with full lists: calls / doors", f"{full_call:,} / {full_door:,} of {len(turfs):,}"),
        (
            f"  neighbors within {FAIRNESS_RADIUS_M} m: door medians within {settings.TURF_FAIRNESS_FACTOR}x",
            f"{fair:,} of {pairs:,} pairs",
        ),  # fmt: skip
        ("nightly refresh of the pool after the cut", f"{refresh[1]:,} voters in {refresh[0]:.1f} s"),
        (
            f"cut one newly approved leader ({len(timings)} runs)",
            f"median {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms (target < 250 ms)",
        ),  # fmt: skip
    ]


def run() -> list[tuple[str, str]]:
    """Build the bench database, time the cuts, drop the database; return (measure, result) rows."""
    with scratch_database(BENCH_DB):
        _generate()
        return _measure()


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure:<48} {result}")
