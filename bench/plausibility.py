"""Plausibility flagging of newly synced attempts, set-based, against a COPY of the same attempts.

Builds a database of its own (bench_plausibility), fills it with SQL: BENCH_PLAUS_HOUSEHOLDS
geocoded households (default 200,000) over a rural county's square, BENCH_PLAUS_LEADERS leaders
(default 500) and BENCH_PLAUS_HISTORY older attempts (default 250,000), then BENCH_PLAUS_NEW
newly synced ones (default 10,000): door knocks in batches of 20 per leader, a tenth with the
phone's location, a few batches made up (every door talked, far apart, dated days back). Drops
it at the end (BENCH_KEEP_DB=1 keeps it).

Target: flagging the 10,000 new attempts under 5 s. The reference, measured in the same run: the
same 10,000 attempts copied out with COPY and into an unlogged table, with no work on them.
"""

import os
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.database import scratch_database  # noqa: E402
from bench.turf import _filler  # noqa: E402
from contacts.models import PlausibilityFlag  # noqa: E402
from contacts.plausibility import flag_received  # noqa: E402

BENCH_DB = "bench_plausibility"
HOUSEHOLDS = int(os.environ.get("BENCH_PLAUS_HOUSEHOLDS", "200000"))
LEADERS = int(os.environ.get("BENCH_PLAUS_LEADERS", "500"))
HISTORY = int(os.environ.get("BENCH_PLAUS_HISTORY", "250000"))
NEW = int(os.environ.get("BENCH_PLAUS_NEW", "10000"))
BATCH = 20


def _attempts(cursor, count: int, *, first: int, received: str, first_leader: int) -> None:
    """Add `count` door knocks, BATCH per leader and sync, over the last days; every 50th batch made up."""
    cols, vals = _filler(
        "contacts_contactattempt",
        {"id", "client_uuid", "leader_id", "household_id", "channel", "result", "note", "device_time",
         "received_at", "latitude", "longitude"},
    )  # fmt: skip
    cursor.execute(
        f"""
        INSERT INTO contacts_contactattempt (client_uuid, leader_id, household_id, channel, result, note,
            device_time, received_at, latitude, longitude {cols})
        SELECT gen_random_uuid(), {first_leader} + (b % {LEADERS}), h.id, 'door',
            CASE WHEN b % 50 = 7 OR g % 5 = 0 THEN 'talked' ELSE 'not_home' END, '',
            {received} - interval '2 hours' + (g % {BATCH}) * interval '4 minutes'
                - CASE WHEN b % 50 = 9 THEN interval '5 days' ELSE interval '0' END,
            {received} + (b % 1000) * interval '1 millisecond',
            CASE WHEN g % 10 = 0 THEN h.latitude + CASE WHEN b % 50 = 11 THEN 0.02 ELSE 0.0001 END END,
            CASE WHEN g % 10 = 0 THEN h.longitude END {vals}
        FROM (SELECT g, g / {BATCH} AS b FROM generate_series({first}, {first + count - 1}) AS g) s
        -- Consecutive knocks of a batch are neighbours, except in the made-up batches.
        JOIN contacts_household h ON h.id = 1 + ((CASE WHEN b % 50 = 3 THEN g * 7919 ELSE g END) % {HOUSEHOLDS})
        """
    )


def _generate() -> int:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cols, vals = _filler(
            "contacts_household",
            {"id", "address_key", "street_name", "county", "precinct", "latitude", "longitude"},
        )
        # A 30 km square, households along east-west roads.
        cursor.execute(
            f"""
            INSERT INTO contacts_household (id, address_key, street_name, county, precinct, latitude,
                longitude {cols})
            SELECT g, 'bench ' || g, 'Road ' || (g / 500), 'Nodaway', 'P' || (g / 5000),
                40.2 + (g / 500) * 0.27 / {max(1, HOUSEHOLDS // 500)}, -95.0 + (g % 500) * 0.0007 {vals}
            FROM generate_series(1, {HOUSEHOLDS}) AS g
            """
        )
        cols, vals = _filler("leaders_user", {"id", "password", "email", "role", "first_name", "last_name"})
        cursor.execute(
            f"""INSERT INTO leaders_user (password, email, role, first_name, last_name {cols})
                SELECT '!', 'leader' || g || '@bench.example', 'leader', 'Lee ' || g, 'Leader' {vals}
                FROM generate_series(1, {LEADERS}) g"""
        )
        cursor.execute("SELECT min(id) FROM leaders_user")
        first_leader = cursor.fetchone()[0]
        _attempts(cursor, HISTORY, first=1, received="now() - interval '3 days'", first_leader=first_leader)
        cursor.execute("ANALYZE")
    print(
        f"  generated {HOUSEHOLDS:,} households and {HISTORY:,} attempts in {time.perf_counter() - start:.0f} s"
    )
    return first_leader


def _reference(since) -> float:
    """Copy the new attempts out and into an unlogged table: the floor under reading them once."""
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNLOGGED TABLE bench_attempt_copy (LIKE contacts_contactattempt)")
        # One connection runs one COPY at a time: out to memory, then in.
        with cursor.cursor.copy(
            "COPY (SELECT * FROM contacts_contactattempt WHERE received_at >= %s) TO STDOUT", [since]
        ) as rows:
            blocks = [bytes(block) for block in rows]
        with cursor.cursor.copy("COPY bench_attempt_copy FROM STDIN") as sink:
            for block in blocks:
                sink.write(block)
        cursor.execute("DROP TABLE bench_attempt_copy")
    return time.perf_counter() - start


def _timed(since, until) -> tuple[float, int]:
    start = time.perf_counter()
    written = flag_received(since=since, until=until)
    return time.perf_counter() - start, written


def run() -> list[tuple[str, str]]:
    with scratch_database(BENCH_DB):
        first_leader = _generate()
        since = timezone.now()
        with connection.cursor() as cursor:
            _attempts(cursor, NEW, first=HISTORY + 1, received="now()", first_leader=first_leader)
            cursor.execute("ANALYZE contacts_contactattempt")
        until = timezone.now() + timedelta(seconds=5)
        reference = _reference(since)
        flag_s, written = _timed(since, until)
        again_s, again = _timed(since, until)
        by_rule = dict(PlausibilityFlag.objects.order_by().values_list("rule").annotate(n=Count("pk")))

    def ratio(seconds: float) -> str:
        return f"{seconds / reference:.1f}x the reference" if reference else ""

    return [
        (f"reference: COPY {NEW:,} new attempts", f"{reference:.2f} s"),
        (
            f"flag {NEW:,} new attempts ({written} flags: {', '.join(f'{k} {v}' for k, v in sorted(by_rule.items()))})",
            f"{flag_s:.2f} s ({ratio(flag_s)}; target < 5 s)",
        ),
        (f"flag them again ({again} flags written)", f"{again_s:.2f} s ({ratio(again_s)})"),
    ]
