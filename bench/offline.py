"""What a leader's phone fetches to work without signal: a full 50 + 100 list, then and now.

Builds its own database (bench_offline) with one leader holding a full list (50 neighbors to call,
100 voters at 58 doors) and fetches, in-process and in production mode, what the phone keeps: the
home screen, both lists and every call and knock screen. Before, the service worker fetched them a
page a request; now it fetches one compressed bundle per list. The table gives requests, bytes on
the wire, the server's time for each way as a ratio, and what a rural link (400 ms round trips,
40 kB/s) would add, modeled from those: round trips times latency plus bytes over bandwidth.

Target: the doors and calls ready in at most 10 requests and 250 kB.
"""

import gzip
import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.database import scratch_database  # noqa: E402

BENCH_DB = "bench_offline"
LATENCY_S = 0.4
BYTES_PER_S = 40_000
ROUNDS = int(os.environ.get("BENCH_OFFLINE_ROUNDS", "3"))


def _one_by_one(client: Client, paths: list[str]) -> tuple[int, float]:
    """Fetch each page as the old prefetch did: bytes on the wire (uncompressed HTML) and seconds."""
    start = time.perf_counter()
    size = 0
    for path in paths:
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip", secure=True)
        assert response.status_code == 200, (path, response.status_code)
        size += len(response.content)
    return size, time.perf_counter() - start


def _bundled(client: Client, parts: list[str]) -> tuple[int, float, list[str]]:
    """Fetch the bundles: compressed bytes on the wire, seconds, and the pages they carried."""
    start = time.perf_counter()
    size, pages = 0, []
    for part in parts:
        response = client.get(
            reverse("field:offline_bundle", args=[part]), HTTP_ACCEPT_ENCODING="gzip", secure=True
        )
        assert response.status_code == 200 and response["Content-Encoding"] == "gzip", part
        size += len(response.content)
        pages += json.loads(gzip.decompress(response.content))["pages"]
    return size, time.perf_counter() - start, pages


def _modeled(requests: int, size: int) -> float:
    return requests * LATENCY_S + size / BYTES_PER_S


def run() -> list[tuple[str, str]]:
    production = {
        "DEBUG": False,
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        # Pages name static files without the manifest a deploy builds; the bytes are the same.
        "STORAGES": {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    }  # fmt: skip
    with scratch_database(BENCH_DB), override_settings(**production):
        from tests.cast import make_alice
        from tests.field.test_offline import full_lists

        leader = make_alice()
        full_lists(leader)
        client = Client()
        client.force_login(leader)
        _, _, paths = _bundled(client, ["doors", "calls"])  # warm up, and the pages to fetch one by one
        before = [_one_by_one(client, paths) for _ in range(ROUNDS)]
        now = [_bundled(client, ["doors", "calls"]) for _ in range(ROUNDS)]
        doors = _bundled(client, ["doors"])
    before_bytes, before_s = before[0][0], min(seconds for _, seconds in before)
    now_bytes, now_s = now[0][0], min(seconds for _, seconds, _ in now)
    return [
        ("pages kept: home, both lists, every screen", f"{len(paths)}"),
        ("a page a request (before): requests, bytes", f"{len(paths)}, {before_bytes / 1000:.0f} kB"),
        (
            "bundles (now): requests, bytes",
            f"2, {now_bytes / 1000:.0f} kB gzip (doors alone {doors[0] / 1000:.0f} kB)",
        ),
        (
            "server time, bundles / a page a request",
            f"{now_s / before_s:.2f} ({now_s:.2f} s / {before_s:.2f} s)",
        ),
        (
            "modeled on 400 ms, 40 kB/s: before, now",
            f"{_modeled(len(paths), before_bytes) + before_s:.0f} s, {_modeled(2, now_bytes) + now_s:.1f} s",
        ),
    ]
