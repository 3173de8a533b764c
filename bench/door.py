"""The check-in search at the door: 10,000 gatherings and 200,000 invitations, against a trivial view.

Builds its own database (bench_door) on the same server: 500 hosts with 20 gatherings each, 20
invitations a gathering over 40,000 voters, and a quarter of the invitees checked in with an
answer to the ask. A host then searches the invitees of one of their gatherings by name
(GET /gatherings/<id>/door/?q=…) 100 times, and the trivial view (bench.urls: the middleware and
the same authentication, then "ok") 100 times, in the same process and in turns, so the ratio
compares like with like. Server time is measured in process through Django's test client: no
network, no gunicorn. Target: p95 under 100 ms. BENCH_DOOR_GATHERINGS (10,000),
BENCH_DOOR_INVITATIONS_EACH (20), BENCH_DOOR_REQUESTS (100).
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from bench.database import scratch_database  # noqa: E402

BENCH_DB = "bench_door"
GATHERINGS = int(os.environ.get("BENCH_DOOR_GATHERINGS", "10000"))
EACH = int(os.environ.get("BENCH_DOOR_INVITATIONS_EACH", "20"))
REQUESTS = int(os.environ.get("BENCH_DOOR_REQUESTS", "100"))
HOSTS = 500
VOTERS = 40_000
FIRST_NAMES = ["MARY", "JAMES", "LINDA", "ROBERT", "PATRICIA", "JOHN", "BARBARA", "MICHAEL", "SUSAN", "DAVID"]
LAST_NAMES = [
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "MILLER",
    "DAVIS",
    "WILSON",
    "MOORE",
    "TAYLOR",
]


def _generate() -> int:
    """Fill the database; return the id of the measured host."""
    from django.contrib.auth.hashers import make_password

    from contacts.models import Voter
    from leaders.models import User

    hosts = User.objects.bulk_create(
        User(email=f"host{n}@bench.example", role=User.Role.LEADER, password=make_password(None))
        for n in range(HOSTS)
    )
    Voter.objects.bulk_create(
        (
            Voter(id=20_000_000 + n, first_name=FIRST_NAMES[n % 10], last_name=LAST_NAMES[(n // 10) % 10] + str(n // 100),
                  county="Nodaway")
            for n in range(VOTERS)
        ),
        batch_size=5000,
    )  # fmt: skip
    with connection.cursor() as cursor:
        # Gathering n belongs to host n % HOSTS; the measured host's first gathering is tonight.
        cursor.execute(
            """INSERT INTO events_gathering (host_id, kind, starts_at, ends_at, place, address, notes, accessibility,
                                             uid, sequence, created_at)
               SELECT (%s::bigint[])[1 + n %% %s], 'house_meeting', now() - interval '10 minutes'
                      + (n / %s) * interval '1 day', now() + interval '80 minutes' + (n / %s) * interval '1 day',
                      'Living room ' || n, '', '', '', gen_random_uuid(), 0, now()
               FROM generate_series(0, %s - 1) n""",
            [[host.pk for host in hosts], HOSTS, HOSTS, HOSTS, GATHERINGS],
        )
        cursor.execute(
            """INSERT INTO events_invitation (gathering_id, voter_id, invited_by_id, rsvp, answered_at, link_salt,
                                              email, phone, created_at)
               SELECT g.id, 20000000 + (g.id * 7919 + i * 104729) %% %s, g.host_id,
                      (ARRAY['yes', 'maybe', 'no'])[1 + i %% 3], now(), md5(random()::text), '', '', now()
               FROM events_gathering g, generate_series(0, %s - 1) i
               ON CONFLICT DO NOTHING""",
            [VOTERS, EACH],
        )
        cursor.execute(
            """INSERT INTO events_attendee (gathering_id, origin, invitation_id, voter_id, name, address, zip_code,
                                            phone, client_uuid, checked_in_at, checked_in_by_id, ask, asked_at,
                                            ask_uuid, received_at)
               SELECT i.gathering_id, 'invited', i.id, i.voter_id, '', '', '', '', gen_random_uuid(), now(),
                      i.invited_by_id, 'yes', now(), gen_random_uuid(), now()
               FROM events_invitation i WHERE i.id % 4 = 0"""
        )
        cursor.execute("ANALYZE")
    return hosts[0].pk


def _percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def _time(client: Client, url: str, params: dict) -> float:
    start = time.perf_counter()
    response = client.get(url, params)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _measure(host_id: int) -> list[tuple[str, str]]:
    from events.models import Gathering, Invitation
    from leaders.models import User

    host = User.objects.get(pk=host_id)
    client = Client(HTTP_HOST="localhost")
    client.force_login(host)
    gathering = Gathering.objects.filter(host=host).order_by("starts_at").first()
    door = f"/gatherings/{gathering.pk}/door/"
    names = list(
        Invitation.objects.filter(gathering=gathering).values_list("voter__last_name", flat=True).distinct()
    )
    queries = [name[:3].lower() for name in names] or ["sm"]
    searches, trivial = [], []
    # In-process requests: no HTTPS redirect (no proxy in front), static files by their plain names.
    plain_static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(
        ROOT_URLCONF="bench.urls", SECURE_SSL_REDIRECT=False, STORAGES=settings.STORAGES | plain_static
    ):
        for _ in range(5):  # warm the connection, templates and caches
            _time(client, door, {"q": queries[0]})
            _time(client, "/bench/trivial", {})
        for n in range(REQUESTS):
            searches.append(_time(client, door, {"q": queries[n % len(queries)]}))
            trivial.append(_time(client, "/bench/trivial", {}))
        with CaptureQueriesContext(connection) as captured:
            _time(client, door, {"q": queries[0]})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM events_gathering), (SELECT count(*) FROM events_invitation)"
        )
        gatherings, invitations = cursor.fetchone()
    search_p95, trivial_p95 = _percentile(searches, 0.95), _percentile(trivial, 0.95)
    return [
        ("gatherings / invitations", f"{gatherings:,} / {invitations:,}"),
        (
            f"check-in search, {REQUESTS} requests",
            f"median {statistics.median(searches):.1f} ms, p95 {search_p95:.1f} ms (target p95 < 100 ms)",
        ),
        (
            "trivial view, same run",
            f"median {statistics.median(trivial):.1f} ms, p95 {trivial_p95:.1f} ms",
        ),
        ("search / trivial", f"median {statistics.median(searches) / statistics.median(trivial):.1f}x, "
                             f"p95 {search_p95 / trivial_p95:.1f}x"),
        ("queries per search", str(len(captured.captured_queries))),
    ]  # fmt: skip


def run() -> list[tuple[str, str]]:
    """Build the bench database, time the searches, drop the database; return (measure, result) rows."""
    with scratch_database(BENCH_DB):
        host_id = _generate()
        return _measure(host_id)


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure:<40} {result}")
