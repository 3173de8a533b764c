"""The ID rollup into the shared database: a full run over a statewide-like program, then an incremental one.

Builds two databases of its own on the same server (bench_rollup, bench_rollup_shared), fills the
first with SQL (generate_series): BENCH_ROLLUP_VOTERS voters (default 1,000,000) in households,
with districts, vote history, model scores and a few suppressions, and BENCH_ROLLUP_ATTEMPTS
contact attempts (default 750,000; a third of them talks, most of those with an ID). It drops
both at the end (BENCH_KEEP_DB=1 keeps them).

Targets: the full rollup under 60 s; then BENCH_ROLLUP_NEW_ATTEMPTS new attempts (default 10,000)
rolled up incrementally under 2 s. The reference, measured in the same run: the voter table copied
raw from one database into the other with COPY, as much data as the rollup moves, with no work on it.
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from bench.database import admin_connection, scratch_database  # noqa: E402
from bench.turf import _filler  # noqa: E402
from contacts.rollup import rollup_ids  # noqa: E402

BENCH_DB = "bench_rollup"
SHARED_DB = f"{BENCH_DB}_shared"
VOTERS = int(os.environ.get("BENCH_ROLLUP_VOTERS", "1000000"))
ATTEMPTS = int(os.environ.get("BENCH_ROLLUP_ATTEMPTS", "750000"))
NEW_ATTEMPTS = int(os.environ.get("BENCH_ROLLUP_NEW_ATTEMPTS", "10000"))
HOUSEHOLDS = max(1, round(VOTERS / 2.2))
ELECTIONS = [
    ("2024-11-05", "General"), ("2024-08-06", "Primary"), ("2022-11-08", "General"),
    ("2022-08-02", "Primary"), ("2020-11-03", "General"), ("2020-08-04", "Primary"),
    ("2024-04-02", "Municipal"), ("2018-11-06", "General"),
]  # fmt: skip


def _use_shared(name: str) -> None:
    for alias in ("shared", "shared_reader"):
        connections[alias].close()
        settings.DATABASES[alias]["NAME"] = name
        connections[alias].settings_dict["NAME"] = name


def _attempts(cursor, count: int, *, first: int, hours_ago: int) -> None:
    """Add `count` attempts spread over the voters, and the IDs a third of them (the talks) learned."""
    extra_cols, extra_vals = _filler(
        "contacts_contactattempt",
        {"id", "client_uuid", "leader_id", "voter_id", "channel", "result", "note", "device_time",
         "received_at"},
    )  # fmt: skip
    cursor.execute("SELECT coalesce(max(id), 0) FROM contacts_contactattempt")
    (before,) = cursor.fetchone()
    cursor.execute(
        f"""
        INSERT INTO contacts_contactattempt (client_uuid, leader_id, voter_id, channel, result, note,
            device_time, received_at {extra_cols})
        SELECT gen_random_uuid(), 1, 10000001 + (g::bigint * 7919) % {VOTERS}, 'door',
               CASE WHEN g % 10 < 3 THEN 'talked' WHEN g % 10 < 9 THEN 'not_home' ELSE 'refused' END, '',
               now() - (g % 700) * interval '1 day', now() - {hours_ago} * interval '1 hour' {extra_vals}
        FROM generate_series({first}, {first + count - 1}) AS g
        """
    )
    cursor.execute(
        """
        INSERT INTO contacts_partyid (voter_id, value, channel, leader_id, attempt_id, source, recorded_at)
        SELECT voter_id, (ARRAY[1, 2, 3, 4, 5, 9])[1 + id %% 6], 'door', 1, id, 'bench', device_time
        FROM contacts_contactattempt
        WHERE result <> 'not_home' AND id %% 10 <> 0 AND id > %s
        """,
        [before],
    )


def _generate() -> None:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        for n, (day, name) in enumerate(ELECTIONS, start=1):
            cursor.execute(
                "INSERT INTO contacts_election (id, date, name) VALUES (%s, %s, %s)", [n, day, name]
            )
        extra_cols, extra_vals = _filler(
            "contacts_household",
            {"id", "address_key", "house_number", "street_name", "street_type", "city", "state", "zip_code",
             "county", "precinct"},
        )  # fmt: skip
        cursor.execute(
            f"""
            INSERT INTO contacts_household (id, address_key, house_number, street_name, street_type, city,
                state, zip_code, county, precinct {extra_cols})
            SELECT g, 'bench ' || g, 100 + (g % 400) * 2, 'Street ' || (g % 900), 'St', 'Town ' || (g % 300),
                   'MO', '6' || lpad((g % 10000)::text, 4, '0'), 'County ' || (g % 3000 % 115), 'P' || (g % 3000)
                   {extra_vals}
            FROM generate_series(1, {HOUSEHOLDS}) AS g
            """
        )
        extra_cols, extra_vals = _filler(
            "contacts_voter",
            {"id", "household_id", "first_name", "last_name", "declared_party", "status", "county", "precinct",
             "congressional_district", "legislative_district", "senate_district", "districts", "elections",
             "mailing_address", "is_registered", "updated_at"},
        )  # fmt: skip
        cursor.execute(
            f"""
            INSERT INTO contacts_voter (id, household_id, first_name, last_name, declared_party, status, county,
                precinct, congressional_district, legislative_district, senate_district, districts, elections,
                mailing_address, is_registered, updated_at {extra_cols})
            SELECT 10000000 + g, h, 'Voter', 'No' || g,
                   CASE WHEN g % 13 = 0 THEN 'Democratic' WHEN g % 11 = 0 THEN 'Republican' ELSE '' END,
                   CASE WHEN g % 20 = 0 THEN 'Inactive' ELSE 'Active' END,
                   -- About 3,000 precincts, each in one of 115 counties, as in Missouri.
                   'County ' || (h % 3000 % 115), 'P' || (h % 3000),
                   '20 CN ' || (1 + h % 8), '20 LE ' || lpad((1 + h % 163)::text, 3, '0'), '20 SE ' || (1 + h % 34),
                   ARRAY['20 CN ' || (1 + h % 8), '20 LE ' || lpad((1 + h % 163)::text, 3, '0'),
                         '20 SE ' || (1 + h % 34)],
                   ARRAY(SELECT e FROM generate_series(1, {len(ELECTIONS)}) AS e WHERE (g * e) % 3 <> 0),
                   CASE WHEN g % 9 = 0 THEN 'PO BOX ' || g ELSE '' END, g % 100 <> 0,
                   now() - interval '1 day' {extra_vals}
            FROM (SELECT g, 1 + (g * 31) % {HOUSEHOLDS} AS h FROM generate_series(1, {VOTERS}) AS g) AS s
            """
        )
        cursor.execute(
            """
            INSERT INTO contacts_score (voter_id, value, source, updated_at)
            SELECT id, (id * 37) % 101, 'bench', now() - interval '1 day' FROM contacts_voter WHERE id % 7 <> 0
            """
        )
        cursor.execute(
            """
            INSERT INTO contacts_suppression (voter_id, reason, created_at, updated_at, decision_note)
            SELECT id, 'hostile', now() - interval '1 day', now() - interval '1 day', ''
            FROM contacts_voter WHERE id % 200 = 0
            """
        )
        _attempts(cursor, ATTEMPTS, first=1, hours_ago=2)
        cursor.execute("ANALYZE")
    print(f"  generated {VOTERS:,} voters and {ATTEMPTS:,} attempts in {time.perf_counter() - start:.0f} s")


def _reference() -> float:
    """Copy the voter table raw into the shared database: the floor under moving that much data."""
    start = time.perf_counter()
    with connection.cursor() as source, connections["shared"].cursor() as target:
        target.execute(
            "CREATE UNLOGGED TABLE bench_voter_copy (voter_id bigint, first_name text, last_name text,"
            " county text, precinct text, districts text[], rest text)"
        )
        with (
            source.cursor.copy(
                "COPY (SELECT id, first_name, last_name, county, precinct, districts, elections::text"
                " FROM contacts_voter) TO STDOUT"
            ) as rows,
            target.cursor.copy(
                "COPY bench_voter_copy (voter_id, first_name, last_name, county, precinct, districts, rest)"
                " FROM STDIN"
            ) as sink,
        ):
            for block in rows:
                sink.write(block)
        target.execute("DROP TABLE bench_voter_copy")
    return time.perf_counter() - start


def _timed(**kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    done = rollup_ids(**kwargs)
    return time.perf_counter() - start, done


def run() -> list[tuple[str, str]]:
    original_shared = settings.DATABASES["shared"]["NAME"]
    with scratch_database(BENCH_DB):
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{SHARED_DB}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{SHARED_DB}"')
        try:
            _use_shared(SHARED_DB)
            call_command("migrate", database="shared", verbosity=0)
            _generate()
            reference = _reference()
            full_s, full = _timed(full=True)
            with connection.cursor() as cursor:
                _attempts(cursor, NEW_ATTEMPTS, first=ATTEMPTS + 1, hours_ago=0)
            incremental_s, incremental = _timed()
            idle_s, _ = _timed()
            nightly_s, nightly = _timed(full=True)
            with connections["shared"].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM contacts_sharedaggregate")
                areas = cursor.fetchone()[0]
        finally:
            connections.close_all()
            _use_shared(original_shared)
            if not os.environ.get("BENCH_KEEP_DB"):
                with admin_connection() as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{SHARED_DB}" WITH (FORCE)')

    def ratio(seconds: float) -> str:
        return f"{seconds / reference:.1f}x the reference" if reference else ""

    return [
        (f"reference: COPY {VOTERS:,} voters between the databases", f"{reference:.2f} s"),
        (
            f"full rollup ({full.rows_changed:,} rows, {areas:,} areas)",
            f"{full_s:.1f} s ({ratio(full_s)}; target < 60 s)",
        ),
        (
            f"incremental: {NEW_ATTEMPTS:,} new attempts ({incremental.voters_touched:,} voters)",
            f"{incremental_s:.2f} s ({ratio(incremental_s)}; target < 2 s)",
        ),
        ("incremental with nothing new (re-rolls the last minutes)", f"{idle_s:.2f} s ({ratio(idle_s)})"),
        (
            f"nightly full rollup, nothing changed ({nightly.rows_changed:,} rows written)",
            f"{nightly_s:.1f} s ({ratio(nightly_s)})",
        ),
    ]
