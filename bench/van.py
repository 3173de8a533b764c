"""The VAN export: contact results streamed as an audited, formula-safe CSV.

Builds its own database (bench_van) with SQL (generate_series): BENCH_VAN_ATTEMPTS attempts
(default 300,000) by 1,000 leaders on 200,000 voters over 30 days, a third of the conversations
with an ID, half the voters with a VANID. Measures the whole export (van_rows -> formula-safe CSV
-> SHA-256 -> audit row) as a staff download streams it, against a reference in the same run: PostgreSQL's own COPY of the
same attempts' columns to CSV, which is the least any export of them can cost. Also reports the
growth of the process's peak memory while streaming: it must not grow with the file.
"""

import os
import resource
import time
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from bench.database import scratch_database  # noqa: E402
from bench.turf import _filler  # noqa: E402
from candidates import van  # noqa: E402
from contacts.exports import audited_csv_response  # noqa: E402
from contacts.models import Export  # noqa: E402
from leaders.models import User  # noqa: E402

BENCH_DB = "bench_van"
ATTEMPTS = int(os.environ.get("BENCH_VAN_ATTEMPTS", "300000"))
VOTERS = 200_000
LEADERS = 1_000
START, END = date(2028, 6, 1), date(2028, 6, 30)


def _generate() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cols, vals = _filler("contacts_household", {"id", "address_key", "county", "precinct"})
        cursor.execute(
            f"""INSERT INTO contacts_household (id, address_key, county, precinct {cols})
                SELECT g, 'bench ' || g, 'Boone', 'P ' || g % 50 {vals} FROM generate_series(1, {VOTERS}) g"""
        )
        cols, vals = _filler(
            "contacts_voter", {"id", "household_id", "county", "is_registered", "updated_at"}
        )
        cursor.execute(
            f"""INSERT INTO contacts_voter (id, household_id, county, is_registered, updated_at {cols})
                SELECT g, g, 'Boone', true, now() {vals} FROM generate_series(1, {VOTERS}) g"""
        )
        cols, vals = _filler("leaders_user", {"id", "password", "email", "role", "first_name", "last_name"})
        cursor.execute(
            f"""INSERT INTO leaders_user (password, email, role, first_name, last_name {cols})
                SELECT '!', 'leader' || g || '@bench.example', 'leader', 'Lee ' || g, 'Leader' {vals}
                FROM generate_series(1, {LEADERS}) g"""
        )
        # Half the voters have a VANID loaded (import_van_ids): the export sends it with their rows.
        cursor.execute("UPDATE contacts_voter SET van_id = 100000000 + id WHERE id % 2 = 0")
        cursor.execute("SELECT min(id) FROM leaders_user")
        first_leader = cursor.fetchone()[0]
        given = {"id", "client_uuid", "leader_id", "voter_id", "channel", "result", "note", "device_time",
                 "received_at"}  # fmt: skip
        cols, vals = _filler("contacts_contactattempt", given)
        cursor.execute(
            f"""INSERT INTO contacts_contactattempt
                    (client_uuid, leader_id, voter_id, channel, result, note, device_time, received_at {cols})
                SELECT gen_random_uuid(), {first_leader} + g % {LEADERS}, 1 + g % {VOTERS},
                       CASE WHEN g % 3 = 0 THEN 'phone' ELSE 'door' END,
                       CASE WHEN g % 3 = 0 THEN 'no_answer' WHEN g % 4 = 0 THEN 'talked' ELSE 'not_home' END,
                       '', timestamptz '2028-06-01 14:00+00' + (g % 29) * interval '1 day', now() {vals}
                FROM generate_series(1, {ATTEMPTS}) g"""
        )
        cursor.execute(
            """INSERT INTO contacts_partyid (voter_id, value, channel, leader_id, attempt_id, source, recorded_at)
               SELECT voter_id, 1 + id % 5, channel, leader_id, id, 'bench', device_time
               FROM contacts_contactattempt WHERE result = 'talked' AND id % 3 = 0"""
        )
        cursor.execute("ANALYZE")


def _reference() -> tuple[float, int]:
    """COPY the same attempts' columns to CSV: PostgreSQL's own floor for this export."""
    start, size = time.perf_counter(), 0
    raw = connection.connection
    sql = """COPY (SELECT v.van_id, a.voter_id, a.channel, a.result, a.device_time, u.first_name, u.last_name
                   FROM contacts_contactattempt a JOIN leaders_user u ON u.id = a.leader_id
                   JOIN contacts_voter v ON v.id = a.voter_id
                   WHERE a.device_time >= '2028-06-01 05:00+00' AND a.device_time < '2028-07-01 05:00+00'
                   ORDER BY a.device_time, a.id) TO STDOUT WITH CSV"""
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in copy:
            size += len(chunk)
    return time.perf_counter() - start, size


def _export() -> tuple[float, int, int, float]:
    """Stream the VAN export as a staff download does; return seconds, bytes, rows, peak memory growth (MB)."""
    request = RequestFactory().get("/")
    request.user = User.objects.create_user("bench-staff@bench.example", role="staff")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, size = time.perf_counter(), 0
    response = audited_csv_response(
        request, kind=Export.Kind.VAN, file_name="van.csv", filters={}, header=van.HEADER,
        rows=van.van_rows(START, END),
    )  # fmt: skip
    for chunk in response.streaming_content:
        size += len(chunk)
    elapsed = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return elapsed, size, Export.objects.get().rows, grown


def _measure() -> list[tuple[str, str]]:
    _reference()  # warm the cache: both runs then read from memory
    reference, reference_bytes = _reference()
    elapsed, size, rows, grown = _export()
    return [
        ("attempts in the window", f"{rows:,} rows"),
        (
            "reference: COPY of the same columns",
            f"{reference:.2f} s ({reference_bytes / reference / 1e6:.0f} MB/s)",
        ),
        (
            "VAN export, streamed and audited",
            f"{elapsed:.2f} s, {rows / elapsed:,.0f} rows/s, {size / 1e6:.0f} MB",
        ),
        ("export / COPY time", f"{elapsed / reference:.1f}x"),
        ("peak memory growth while streaming", f"{grown:.0f} MB"),
    ]


def run() -> list[tuple[str, str]]:
    """Build the bench database, time the export against COPY, drop the database."""
    with scratch_database(BENCH_DB):
        _generate()
        return _measure()


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure:<40} {result}")
