"""The recruitment tree of 5,000 leaders over 8 generations: the page, the query, the CSV export.

Builds its own database (bench_tree) on the same server: staff, a coordinator, and 5,000 leaders
whose recruiters are one generation up (50 who started trees, then each generation larger), spread
over ten counties. It times, in this process through Django's test client with the real middleware,
100 requests each of the tree page for staff (first and last page, a name searched, the largest
downlines first) and for a coordinator, a root leader's own downline, and the query alone, each in
turns with a trivial view (the reference: Django, its middleware and a token lookup), so both meet
the same load on a shared machine; then the whole tree as an audited CSV.
Reports p50/p95, queries per page, and each p95 as a ratio to its reference's.

Target: tree page p95 under 300 ms, and a query count that grows with neither depth nor size.
"""

import math
import os
import random
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.database import scratch_database  # noqa: E402
from events.tree import recruitment_tree  # noqa: E402
from leaders.models import ApiToken, LeaderProfile, User  # noqa: E402

BENCH_DB = "bench_tree"
LEADERS = int(os.environ.get("BENCH_TREE_LEADERS", "5000"))
GENERATIONS = 8
REQUESTS = int(os.environ.get("BENCH_TREE_REQUESTS", "100"))
COUNTIES = [
    "Jackson",
    "St. Louis",
    "Greene",
    "Boone",
    "Buchanan",
    "Jasper",
    "Cole",
    "Nodaway",
    "Adair",
    "Clay",
]


def _generation_sizes(total: int) -> list[int]:
    """50 roots, then each generation about 1.6 times the one before, summing to `total`."""
    weights = [1.6**n for n in range(GENERATIONS)]
    sizes = [max(1, round(total * weight / sum(weights))) for weight in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def _generate() -> tuple[User, User, User]:
    random.seed(2026)
    staff = User.objects.create_user("sam@bench.example", "x", role=User.Role.STAFF)
    coordinator = User.objects.create_user(
        "carol@bench.example", "x", role=User.Role.COORDINATOR, counties=["Nodaway", "Boone"]
    )
    for person in (staff, coordinator):
        TOTP.activate(person, generate_totp_secret())
    previous: list[User] = []
    n = 0
    for generation, size in enumerate(_generation_sizes(LEADERS), start=1):
        users = User.objects.bulk_create(
            [
                User(
                    email=f"l{n + i}@bench.example",
                    first_name=f"Leader{n + i}",
                    last_name=f"G{generation}",
                    password="!",  # noqa: S106 (unusable: nobody signs in as them)
                    role=User.Role.LEADER,
                )
                for i in range(size)
            ]  # fmt: skip
        )
        n += size
        LeaderProfile.objects.bulk_create(
            [
                LeaderProfile(
                    user=user,
                    county=random.choice(COUNTIES),
                    recruiter=random.choice(previous) if previous else staff,
                    origin=LeaderProfile.Origin.GATHERING,
                    stage=LeaderProfile.Stage.FIRST_CONTACT,
                )
                for user in users
            ]
        )
        previous = users
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    root = User.objects.get(email="l0@bench.example")
    return staff, coordinator, root


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _time(action, reference) -> tuple[list[float], list[float]]:
    """Time `action` and the reference view in turns, so both meet the same load on a shared machine."""
    action(), reference()  # warm the connection and the caches, as a running server would be
    timings, references = [], []
    for _ in range(REQUESTS):
        for call, into in ((reference, references), (action, timings)):
            start = time.perf_counter()
            call()
            into.append((time.perf_counter() - start) * 1000)
    return timings, references


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, url: str, headers: dict | None = None):
    def action():
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, (url, response.status_code)

    return action


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def _measure(staff: User, coordinator: User, root: User) -> list[tuple[str, str]]:
    # The test client's host name; not setup_test_environment(), whose instrumented template
    # rendering (a context copy per template, for the tests' signal) would slow the page it measures.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    _, raw = ApiToken.issue(user=staff, name="bench")
    tree_url = reverse("events:tree")
    staff_client, coordinator_client, root_client = _client(staff), _client(coordinator), _client(root)
    trivial_client = Client()

    trivial = _get(trivial_client, "/bench/trivial", {"Authorization": f"Bearer {raw}"})

    results = {
        "tree page, staff (page 1 of 200 rows)": _time(_get(staff_client, tree_url), trivial),
        "tree page, staff, last page": _time(
            _get(staff_client, f"{tree_url}?page={math.ceil(LEADERS / 200)}"), trivial
        ),
        "tree page, staff, a name searched": _time(
            _get(staff_client, f"{tree_url}?name=leader4321"), trivial
        ),
        "tree page, staff, largest downlines first": _time(
            _get(staff_client, f"{tree_url}?order=downline"), trivial
        ),
        "tree page, a coordinator of 2 counties": _time(_get(coordinator_client, tree_url), trivial),
        "a root leader's own downline": _time(_get(root_client, tree_url), trivial),
        "the query alone, whole tree (5,000 rows)": _time(lambda: recruitment_tree(staff), trivial),
    }
    # The export asks for the password again first (DESIGN.md 8): give it, as staff would. The
    # prompt's rate limit counts in the cache table, which a server has and a migrate alone does not make.
    call_command("createcachetable", verbosity=0)
    staff_client.post(reverse("account_reauthenticate"), {"password": "x"})
    start = time.perf_counter()
    response = staff_client.get(reverse("events:tree_export"))
    assert response["Content-Type"].startswith("text/csv"), response.status_code
    exported = b"".join(response.streaming_content)
    export_ms = (time.perf_counter() - start) * 1000
    rows, total, _ = recruitment_tree(staff)
    table = [
        ("leaders, generations", f"{total:,} in {max(row.generation for row in rows)} generations"),
        ("largest downline", f"{max(row.downline for row in rows):,}"),
    ]
    for label, (timings, references) in results.items():
        table.append(
            (f"{label} ({len(timings)})", f"p50 {statistics.median(timings):.1f} ms, p95 {_p95(timings):.1f} ms, "
             f"{_p95(timings) / _p95(references):.1f}x the trivial view's p95 ({_p95(references):.1f} ms) in turns")
        )  # fmt: skip
    table += [
        ("tree page p95 target", "< 300 ms"),
        ("queries: staff page / coordinator / leader", " / ".join(
            str(_queries(client, tree_url)) for client in (staff_client, coordinator_client, root_client))),
        ("CSV export of the whole tree (audited)",
         f"{export_ms:.0f} ms, {exported.count(b'\n') - 1:,} rows, {len(exported) / 1024:.0f} KiB"),
    ]  # fmt: skip
    return table


def run() -> list[tuple[str, str]]:
    """Build the bench database, time the tree, drop the database; return (measure, result) rows."""
    # The app's URLs plus the trivial reference view, for the whole run: switching per request
    # would clear the URL caches each time and slow both sides.
    # In-process requests: no HTTPS redirect (there is no proxy in front) and no collectstatic (pages
    # link static files by their plain names).
    plain_static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with (
        scratch_database(BENCH_DB),
        override_settings(
            ROOT_URLCONF="bench.urls", SECURE_SSL_REDIRECT=False, STORAGES=settings.STORAGES | plain_static
        ),
    ):
        return _measure(*_generate())


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure:<48} {result}")
