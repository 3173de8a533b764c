"""The follow-up page on a statewide-like program, against a trivial view.

Builds its own database (bench_followup) with the dashboard bench's program: about 1 million voters,
5,000 leaders with their lists cut and a profile each with its dated stage history (signed up,
approved, turf delivered, and first contact for those who reported; some inactive and back, some
quit), 750,000 contact attempts over
100 days, 2,000 prospects (half of them sent a link 1 to 30 days ago) and yeses at gatherings. Then,
signed in as staff and as a coordinator, it asks the follow-up page 20 times in-process (and staff's
second page of all stalled leaders) and reports median and p95 server time and the query count, each
as a ratio to the trivial authenticated view.

Target: p95 under 300 ms; a query count that does not grow with leaders.
Sizes: BENCH_DASHBOARD_HOUSEHOLDS (450000), BENCH_DASHBOARD_LEADERS (5000),
BENCH_DASHBOARD_ATTEMPTS (750000), BENCH_DASHBOARD_REQUESTS (20), BENCH_FOLLOWUP_PROSPECTS (2000).
"""

import os

from bench import dashboard as dashboard_bench
from bench import turf as turf_bench
from bench.database import scratch_database

BENCH_DB = "bench_followup"
PROSPECTS = int(os.environ.get("BENCH_FOLLOWUP_PROSPECTS", "2000"))


def _pipeline() -> None:
    """Give every leader a profile with its stage history, and add prospects, links and yeses."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        # Drafting the leaders' lists gave each a profile and its moves, all dated today: the dated
        # history below replaces them.
        cursor.execute("DELETE FROM leaders_stagechange")
        cursor.execute(
            """
            INSERT INTO leaders_leaderprofile (user_id, first_name, last_name, email, phone, county, origin,
                stage, stage_changed_at, created_at)
            SELECT u.id, '', '', '', '', coalesce(v.county, ''), 'staff_invite',
                   CASE WHEN EXISTS (SELECT 1 FROM contacts_contactattempt a WHERE a.leader_id = u.id)
                        THEN 'first_contact' ELSE 'turf_delivered' END,
                   now() - interval '100 days', now() - interval '130 days'
            FROM leaders_user u LEFT JOIN contacts_voter v ON v.id = u.voter_id
            WHERE u.role = 'leader'
            ON CONFLICT (user_id) DO UPDATE SET county = EXCLUDED.county, origin = EXCLUDED.origin,
                stage = EXCLUDED.stage, stage_changed_at = EXCLUDED.stage_changed_at,
                created_at = EXCLUDED.created_at
            """
        )
        cursor.execute(
            """
            INSERT INTO leaders_stagechange (profile_id, from_stage, to_stage, at, reason)
            SELECT p.id, s.from_stage, s.to_stage, now() - s.days * interval '1 day', 'bench'
            FROM leaders_leaderprofile p
            CROSS JOIN (VALUES ('', 'signed_up', 130), ('signed_up', 'approved', 125),
                               ('approved', 'turf_delivered', 120), ('turf_delivered', 'first_contact', 100))
                 AS s(from_stage, to_stage, days)
            WHERE p.user_id IS NOT NULL AND (s.to_stage <> 'first_contact' OR p.stage = 'first_contact')
            """
        )
        # Exits for the chart to follow: one reporting leader in ten was inactive for three weeks
        # and came back; one in twenty quit ten days ago, their turf closed.
        cursor.execute(
            """
            INSERT INTO leaders_stagechange (profile_id, from_stage, to_stage, at, reason)
            SELECT p.id, s.from_stage, s.to_stage, now() - s.days * interval '1 day', 'bench'
            FROM leaders_leaderprofile p
            CROSS JOIN (VALUES ('first_contact', 'inactive', 60), ('inactive', 'first_contact', 40))
                 AS s(from_stage, to_stage, days)
            WHERE p.stage = 'first_contact' AND p.id % 10 = 1
            """
        )
        cursor.execute(
            """
            WITH gone AS (
                UPDATE leaders_leaderprofile SET stage = 'quit', stage_changed_at = now() - interval '10 days'
                WHERE stage = 'first_contact' AND id % 20 = 2 RETURNING id, user_id
            ), closed AS (
                UPDATE turf_turf t SET status = 'quit' FROM gone WHERE t.leader_id = gone.user_id
            )
            INSERT INTO leaders_stagechange (profile_id, from_stage, to_stage, at, reason)
            SELECT id, 'first_contact', 'quit', now() - interval '10 days', 'bench' FROM gone
            """
        )
        cursor.execute(
            """
            INSERT INTO leaders_leaderprofile (first_name, last_name, email, phone, county, origin, stage,
                stage_changed_at, created_at)
            SELECT 'Prospect', g::text, 'prospect' || g || '@bench.example', '', 'Boone', 'gathering',
                   CASE WHEN g %% 2 = 0 THEN 'invited' ELSE 'prospect' END, now() - interval '20 days', now() - interval '40 days'
            FROM generate_series(1, %s) AS g
            """,
            [PROSPECTS],
        )
        cursor.execute(
            """
            INSERT INTO leaders_invitation (first_name, last_name, email, county, invited_by_id, token_hash,
                created_at, expires_at, profile_id)
            SELECT p.first_name, p.last_name, p.email, p.county, (SELECT min(id) FROM leaders_user),
                   md5(p.id::text) || md5(p.email), now() - (1 + mod(p.id, 30)) * interval '1 day',
                   now() - (1 + mod(p.id, 30)) * interval '1 day' + interval '14 days', p.id
            FROM leaders_leaderprofile p WHERE p.stage = 'invited'
            """
        )
        cursor.execute(
            """
            INSERT INTO events_attendee (gathering_id, origin, name, address, zip_code, phone, client_uuid,
                checked_in_at, checked_in_by_id, ask, asked_at, received_at)
            SELECT g.id, 'walk_in', 'Guest ' || g.id || '-' || n, '', '', '', gen_random_uuid(), g.starts_at,
                   g.host_id, 'yes', g.starts_at, now()
            FROM events_gathering g CROSS JOIN generate_series(1, 2) AS n
            """
        )
        cursor.execute("ANALYZE")


def _measure() -> list[tuple[str, str]]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from turf.models import Cycle

    call_command("createcachetable")
    cycle = Cycle.objects.create(name="Bench General", election_date="2028-11-07", is_active=True)
    dashboard_bench._program(cycle)
    _pipeline()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM contacts_voter), (SELECT count(*) FROM contacts_contactattempt),"
            " (SELECT count(*) FROM leaders_leaderprofile WHERE user_id IS NOT NULL),"
            " (SELECT count(*) FROM leaders_stagechange)"
        )
        voters, attempts, leaders, changes = cursor.fetchone()
    staff = Client()
    staff.force_login(dashboard_bench._person("staff@bench.example", "staff"))
    coordinator = Client()
    coordinator.force_login(
        dashboard_bench._person("coordinator@bench.example", "coordinator", ["Boone", "Nodaway"])
    )
    rows = [
        ("program", f"{voters:,} voters, {leaders:,} leaders ({changes:,} stage rows), {attempts:,} attempts")
    ]
    with dashboard_bench.in_process():
        page = reverse("dashboard:followup")
        all_stalled = reverse("dashboard:followup_list", args=["stalled"])
        rows += dashboard_bench.page_rows(
            [
                ("follow-up, staff (statewide)", staff, page),
                ("follow-up, coordinator (2 counties)", coordinator, page),
                ("show all stalled, staff (page 2)", staff, all_stalled + "?page=2"),
            ]
        )
    return rows


def run() -> list[tuple[str, str]]:
    """Build the bench database, time the page, drop the database; return (measure, result) rows."""
    turf_bench.HOUSEHOLDS = dashboard_bench.HOUSEHOLDS
    with scratch_database(BENCH_DB):
        turf_bench._generate()
        dashboard_bench._real_counties()
        return _measure()


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure:<48} {result}")
