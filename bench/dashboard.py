"""The staff dashboard, the coverage page and the follow-up page on a statewide-like program, against a trivial view.

Builds its own database (bench_dashboard) with the turf bench's builders: about 1 million voters in
450,000 households (the made-up rural counties renamed to real election authorities), 5,000
leaders with their lists cut and a dated stage history (bench/followup.py's pipeline, with some
leaders gone inactive, back, or quit), 750,000 contact attempts over the last 100 days by four
leaders in five, some IDs and gatherings. Then, signed in as staff (with MFA) and as a coordinator,
it asks each page 20 times in-process through the whole middleware stack with nothing cached
before each request (the counts the pages keep for minutes must not be what makes the target),
and reports median and p95 server time and the query count, each as a ratio to the trivial
authenticated view (bench/urls.py) measured the same way in the same run.

Target: p95 under 300 ms; query counts that do not grow with leaders, counties or milestones.
Sizes: BENCH_DASHBOARD_HOUSEHOLDS (450000), BENCH_DASHBOARD_LEADERS (5000),
BENCH_DASHBOARD_ATTEMPTS (750000), BENCH_DASHBOARD_REQUESTS (20).
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
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bench import turf as turf_bench  # noqa: E402
from bench.database import scratch_database  # noqa: E402

BENCH_DB = "bench_dashboard"
HOUSEHOLDS = int(os.environ.get("BENCH_DASHBOARD_HOUSEHOLDS", "450000"))
LEADERS = int(os.environ.get("BENCH_DASHBOARD_LEADERS", "5000"))
ATTEMPTS = int(os.environ.get("BENCH_DASHBOARD_ATTEMPTS", "750000"))
REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", "20"))


def _real_counties() -> None:
    """Give the turf bench's made-up rural counties (and its town counties) real election authority names."""
    from contacts.voterfile.layout import ELECTION_AUTHORITIES

    names = "ARRAY[" + ", ".join(f"'{name}'" for name in ELECTION_AUTHORITIES) + "]"
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute(
            f"""UPDATE contacts_household SET county = CASE
                  WHEN county = 'St. Louis' THEN 'St. Louis City'
                  WHEN county LIKE 'Rural %' THEN ({names})[1 + abs(hashtext(county)) % {len(ELECTION_AUTHORITIES)}]
                  ELSE county END"""
        )
        cursor.execute(
            "UPDATE contacts_voter v SET county = h.county FROM contacts_household h WHERE h.id = v.household_id"
        )
        cursor.execute("ANALYZE contacts_household, contacts_voter")


def _program(cycle) -> None:
    """Cut every leader's lists, then their calls and knocks over 100 days, IDs and gatherings."""
    from turf.models import Turf
    from turf.services import turf_cut_all

    leader_ids = turf_bench._make_leaders(LEADERS, "leader")
    Turf.objects.bulk_create([Turf(cycle=cycle, leader_id=pk, county="") for pk in leader_ids])
    start = time.perf_counter()
    turf_cut_all(cycle=cycle)
    print(f"  cut {len(leader_ids):,} leaders' lists in {time.perf_counter() - start:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("UPDATE turf_turf SET created_at = now() - interval '120 days'")
        cursor.execute("UPDATE turf_cycle SET created_at = now() - interval '120 days'")
        cursor.execute("SELECT count(*) FROM turf_entry")
        entries = cursor.fetchone()[0] or 1
        # Four leaders in five report; each attempt on one of their own entries, on a random day.
        cursor.execute(
            """
            INSERT INTO contacts_contactattempt (client_uuid, leader_id, voter_id, household_id, channel,
                result, note, device_time, received_at)
            SELECT gen_random_uuid(), t.leader_id, e.voter_id, e.household_id,
                   CASE WHEN e.list = 'call' THEN 'phone' ELSE 'door' END,
                   CASE WHEN e.list = 'call' THEN (ARRAY['talked', 'no_answer', 'left_message'])[1 + g %% 3]
                        ELSE (ARRAY['talked', 'not_home', 'not_home', 'left_literature'])[1 + g %% 4] END,
                   '', now() - random() * interval '100 days', now()
            FROM turf_entry e JOIN turf_turf t ON t.id = e.turf_id
            CROSS JOIN generate_series(1, %s) AS g
            WHERE t.id %% 5 <> 0
            ORDER BY random() LIMIT %s
            """,
            [math.ceil(ATTEMPTS / entries * 1.3) + 1, ATTEMPTS],
        )
        cursor.execute(
            """
            INSERT INTO contacts_partyid (voter_id, value, channel, leader_id, attempt_id, source, recorded_at)
            SELECT voter_id, (ARRAY[1, 2, 3, 4, 5, 9])[1 + (id % 6)], channel, leader_id, id, 'bench', device_time
            FROM contacts_contactattempt WHERE result = 'talked' AND voter_id IS NOT NULL
            """
        )
        cursor.execute(
            """
            INSERT INTO events_gathering (host_id, kind, starts_at, ends_at, place, address, notes, accessibility,
                                          uid, sequence, held_at, created_at)
            SELECT leader_id, 'house_meeting', day, day + interval '90 minutes', 'Living room', '', '', '',
                   gen_random_uuid(), 0, day + interval '10 minutes', now()
            FROM (SELECT leader_id, now() - random() * interval '90 days' AS day FROM turf_turf WHERE id % 7 = 0) t
            """
        )
        cursor.execute("ANALYZE")


def _person(email: str, role: str, counties=()):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from leaders.models import User

    user = User.objects.create_user(email, None, role=role, counties=list(counties))
    TOTP.activate(user, generate_totp_secret())
    return user


class _Counter:
    """Count the statements a request sends (connection.queries is capped and reset per request)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _get(client: Client, url: str) -> tuple[float, int]:
    counter = _Counter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, url
    return elapsed, counter.count


def _time(client: Client, url: str) -> tuple[list[float], int]:
    """Server time of REQUESTS requests in milliseconds, each with nothing cached, and the query
    count of the last of them."""
    timings, queries = [], 0
    for _ in range(REQUESTS):
        cache.clear()
        elapsed, queries = _get(client, url)
        timings.append(elapsed)
    return sorted(timings), queries


def _p95(timings: list[float]) -> float:
    return timings[min(len(timings) - 1, math.ceil(0.95 * len(timings)) - 1)]


def in_process():
    """Settings for in-process requests: the test host, no HTTPS redirect (no proxy in front), and
    static files by their plain names (no collectstatic here)."""
    plain_static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    return override_settings(
        ROOT_URLCONF="bench.urls",
        ALLOWED_HOSTS=["testserver"],
        SECURE_SSL_REDIRECT=False,
        STORAGES=settings.STORAGES | plain_static,
    )


def page_rows(pages: list[tuple[str, Client, str]]) -> list[tuple[str, str]]:
    """Time the trivial reference view, then each (label, client, url); a row each, with the ratios."""
    reference, reference_queries = _time(pages[0][1], "/bench/trivial")
    ref_median, ref_p95 = statistics.median(reference), _p95(reference)
    rows = [
        (f"trivial view, reference ({REQUESTS} requests)",
         f"median {ref_median:.1f} ms, p95 {ref_p95:.1f} ms, {reference_queries} queries")
    ]  # fmt: skip
    for label, client, url in pages:
        timings, queries = _time(client, url)
        median, p95 = statistics.median(timings), _p95(timings)
        rows.append(
            (label, f"median {median:.0f} ms ({median / ref_median:.0f}x), p95 {p95:.0f} ms "
                    f"({p95 / ref_p95:.0f}x; target < 300 ms), {queries} queries")
        )  # fmt: skip
    return rows


def _measure() -> list[tuple[str, str]]:
    from django.urls import reverse

    from bench.followup import _pipeline
    from turf.models import Cycle

    call_command("createcachetable")  # the pages keep their counts in the database cache, as deployed
    cycle = Cycle.objects.create(name="Bench General", election_date="2028-11-07", is_active=True)
    _program(cycle)
    _pipeline()
    from dashboard.services import summarize_counties

    start = time.perf_counter()
    summarize_counties(cycle=cycle)  # what beat does every few minutes
    counting = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM contacts_voter), (SELECT count(*) FROM contacts_contactattempt),"
            " (SELECT count(*) FROM turf_turf)"
        )
        voters, attempts, leaders = cursor.fetchone()
    staff = Client()
    staff.force_login(_person("staff@bench.example", "staff"))
    coordinator = Client()
    coordinator.force_login(_person("coordinator@bench.example", "coordinator", ["Boone", "Nodaway"]))
    rows = [
        ("program", f"{voters:,} voters, {leaders:,} leaders with lists, {attempts:,} attempts"),
        ("county counts (beat, off the request)", f"{counting:.1f} s"),
    ]
    with in_process():
        pages = [
            ("dashboard, staff (statewide)", staff, reverse("dashboard:index")),
            ("coverage, staff (116 counties)", staff, reverse("dashboard:coverage")),
            ("dashboard, coordinator (2 counties)", coordinator, reverse("dashboard:index")),
            ("coverage, coordinator (2 counties)", coordinator, reverse("dashboard:coverage")),
            ("follow-up, staff (statewide)", staff, reverse("dashboard:followup")),
            ("follow-up, coordinator (2 counties)", coordinator, reverse("dashboard:followup")),
        ]
        rows += page_rows(pages)
    return rows


def run() -> list[tuple[str, str]]:
    """Build the bench database, time the pages, drop the database; return (measure, result) rows."""
    turf_bench.HOUSEHOLDS = HOUSEHOLDS
    with scratch_database(BENCH_DB):
        turf_bench._generate()
        _real_counties()
        return _measure()


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure:<48} {result}")
