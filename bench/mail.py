"""The candidate's district counts page and a householded mail export of a large district.

Builds its own databases (bench_mail, bench_mail_shared) and fills the shared voter table with SQL
(generate_series): BENCH_MAIL_VOTERS voters in the candidate's congressional district (default
500,000, as a Missouri congressional district), 2.2 to a household, one household in seven in an
apartment, and as many again outside it.
Measures, against references in the same run:
- the counts page's queries (district_summary, cached per state of the shared database), p95 of
  BENCH_MAIL_REPEATS runs (default 10), and the count once after a rollup (count_district),
  against one count(*) of the district's rows, the least any count of them costs;
- the mail export as a candidate's download streams it (select -> households -> formula-safe CSV
  -> SHA-256 -> audit row), in households/s, against PostgreSQL's own COPY of the same rows to
  CSV; and the process's peak RSS, which must not grow with the file.
"""

import os
import resource
import statistics
import time
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from bench.database import admin_connection, scratch_database  # noqa: E402
from bench.rollup import _use_shared  # noqa: E402
from candidates import mail  # noqa: E402
from candidates.district import count_district, district_summary  # noqa: E402
from candidates.models import Race  # noqa: E402
from contacts.exports import audited_csv_response  # noqa: E402
from contacts.models import Export  # noqa: E402
from leaders.models import User  # noqa: E402

BENCH_DB = "bench_mail"
SHARED_DB = f"{BENCH_DB}_shared"
VOTERS = int(os.environ.get("BENCH_MAIL_VOTERS", "500000"))
REPEATS = int(os.environ.get("BENCH_MAIL_REPEATS", "10"))
CODE = "20 CN 5"
RACE = Race(
    office=Race.Office.CONGRESS, district_type=Race.DistrictType.CONGRESSIONAL, district_code=CODE,
    election_year=2028, primary_date=date(2028, 8, 1), general_date=date(2028, 11, 7),
)  # fmt: skip


def _generate() -> None:
    """Half the rows in the district, half outside; households of 2.2; a tier for most, some mail suppressed."""
    start = time.perf_counter()
    households = max(1, round(VOTERS / 2.2))
    with connections["shared"].cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute(
            f"""
            INSERT INTO contacts_sharedvoter (voter_id, first_name, middle_name, last_name, suffix, household_key,
                residence_line, residence_unit, residence_city, residence_state, residence_zip, mailing_address,
                mailing_city,
                mailing_state, mailing_zip, county, precinct, precinct_name, split, township, ward,
                congressional_district, legislative_district, senate_district, districts, registration_status,
                registered_on, elections_voted, generals_voted, primaries_voted, last_voted_on, voted_on, tier,
                tier_source, tier_channel, tier_on, model_score, contacted, mail_suppressions)
            SELECT g, 'First' || g, '', 'Last' || (h % 5000), '', CASE WHEN inside THEN 'in ' ELSE 'out ' END || h,
                   h || ' Main St', CASE WHEN h % 7 = 0 THEN 'APT ' || (h % 20) ELSE '' END,
                   'Town ' || (h % 300), 'MO', '6' || lpad((h % 10000)::text, 4, '0'),
                   CASE WHEN g % 18 = 0 THEN g || ' Elm St Apt 3' WHEN g % 9 = 0 THEN 'PO BOX ' || g ELSE '' END,
                   CASE WHEN g % 9 = 0 THEN 'Box Town' ELSE '' END,
                   CASE WHEN g % 9 = 0 THEN 'MO' ELSE '' END,
                   CASE WHEN g % 9 = 0 THEN '65' || lpad((g % 1000)::text, 3, '0') || '-1234' ELSE '' END,
                   'County ' || (h % 30), 'P' || (h % 600), 'Precinct ' || (h % 600), '', '', '',
                   CASE WHEN inside THEN '{CODE}' ELSE '20 CN 1' END, '20 LE 001', '20 SE 1',
                   ARRAY[CASE WHEN inside THEN '{CODE}' ELSE '20 CN 1' END], 'Active', NULL,
                   g % 9, g % 5, g % 4, NULL, '{{}}',
                   CASE WHEN g % 6 = 0 THEN NULL ELSE 1 + g % 5 END,
                   CASE WHEN g % 6 = 0 THEN '' WHEN g % 4 = 0 THEN 'model_score' ELSE 'conversation' END,
                   '', NULL, (g * 37) % 101, g % 3 = 0,
                   CASE WHEN g % 200 = 0 THEN ARRAY['hostile'] ELSE '{{}}' END
            FROM (SELECT g, 1 + (g * 31) % {households} AS h, g % 2 = 0 AS inside
                  FROM generate_series(1, {VOTERS * 2}) AS g) AS s
            """
        )
        cursor.execute("ANALYZE contacts_sharedvoter")
    print(f"  generated {VOTERS * 2:,} shared voters in {time.perf_counter() - start:.0f} s")


def _reader_seconds(sql: str) -> float:
    start = time.perf_counter()
    with connections["shared_reader"].cursor() as cursor:
        cursor.execute(sql, [CODE])
        cursor.fetchall()
    return time.perf_counter() - start


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def _counts() -> tuple[float, float, float]:
    start = time.perf_counter()
    count_district(RACE)
    uncached = time.perf_counter() - start
    district_summary(RACE)  # the first page after a rollup counts and caches
    reference = [
        _reader_seconds("SELECT count(*) FROM contacts_sharedvoter WHERE congressional_district = %s")
        for _ in range(REPEATS)
    ]
    page = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        district_summary(RACE)
        page.append(time.perf_counter() - start)
    return _p95(page), _p95(reference), uncached


def _copy_reference() -> float:
    """COPY the purpose's rows, sorted by ZIP, to CSV: PostgreSQL's own floor for this export."""
    start = time.perf_counter()
    sql = f"""COPY (SELECT household_key, first_name, last_name, residence_line, residence_unit, residence_city,
                   residence_zip, mailing_address, mailing_zip FROM contacts_sharedvoter
                   WHERE congressional_district = '{CODE}' AND tier IN (1, 2) AND mail_suppressions = '{{}}'
                   ORDER BY residence_zip, household_key) TO STDOUT WITH CSV"""  # noqa: S608 (constants)
    connections["shared_reader"].ensure_connection()
    with connections["shared_reader"].connection.cursor() as cursor, cursor.copy(sql) as copy:
        for _chunk in copy:
            pass
    return time.perf_counter() - start


def _export() -> tuple[float, int, float, float]:
    """Stream a GOTV mail export as a candidate's download does: seconds, households, RSS growth and peak (MB)."""
    request = RequestFactory().get("/")
    request.user = User.objects.create_user("bench-candidate@bench.example", role="candidate")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    response = audited_csv_response(
        request, kind=Export.Kind.MAIL, purpose=mail.GOTV, file_name="mail.csv", filters={"purpose": mail.GOTV},
        header=mail.HEADER, rows=mail.mail_rows(mail.mail_voters(RACE, mail.GOTV)),
    )  # fmt: skip
    for _chunk in response.streaming_content:
        pass
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return elapsed, Export.objects.get().rows, (peak - before) / 1024, peak / 1024


def _measure() -> list[tuple[str, str]]:
    page, count, uncached = _counts()
    _copy_reference()  # warm the cache: both runs then read from memory
    reference = _copy_reference()
    elapsed, households, grown, peak = _export()
    return [
        ("district voters", f"{VOTERS:,} (and as many outside it)"),
        ("reference: count(*) of the district, p95", f"{count * 1000:.0f} ms"),
        (
            "counts, computed after a rollup (once)",
            f"{uncached * 1000:.0f} ms, {uncached / count:.1f}x count(*)",
        ),
        ("counts page queries, p95", f"{page * 1000:.0f} ms (target < 200 ms)"),
        ("counts page / count(*)", f"{page / count:.2f}x"),
        ("reference: COPY of the list's rows to CSV", f"{reference:.2f} s"),
        (
            "GOTV mail export, streamed and audited",
            f"{elapsed:.2f} s, {households / elapsed:,.0f} households/s",
        ),
        ("mail export / COPY time", f"{elapsed / reference:.1f}x"),
        ("households", f"{households:,}"),
        ("peak RSS (growth while streaming)", f"{peak:.0f} MB ({grown:.0f} MB) (target < 300 MB)"),
    ]


def run() -> list[tuple[str, str]]:
    """Build the bench databases, measure, drop them."""
    original_shared = settings.DATABASES["shared"]["NAME"]
    with scratch_database(BENCH_DB):
        call_command("createcachetable", verbosity=0)
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{SHARED_DB}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{SHARED_DB}"')
        try:
            _use_shared(SHARED_DB)
            call_command("migrate", database="shared", verbosity=0)
            _generate()
            return _measure()
        finally:
            connections.close_all()
            _use_shared(original_shared)
            if not os.environ.get("BENCH_KEEP_DB"):
                with admin_connection() as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{SHARED_DB}" WITH (FORCE)')


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table([("mail", run())])
