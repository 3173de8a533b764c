"""Sync through a proxy that drops connections after the server got the request.

The worst failure for an outbox: the server commits the batch, the reply is lost, and the phone
sends the same batch again. 5,000 attempts go through a proxy on 127.0.0.1 that swallows or
truncates one reply in three; every batch is retried until it gets an answer. The server must end
with exactly one row per UUID: none lost, none doubled.
"""

import http.client
import json
import random
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from contacts.models import ContactAttempt
from leaders.models import ApiToken
from tests.cast import MARYVILLE, make_cycle, make_household, make_turf, make_voter, offset

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 5_000
BATCH = 20
CLIENTS = 4
MAX_TRIES = 30  # per batch
DEADLINE_S = 240


def _read_http_message(sock: socket.socket) -> bytes:
    """Read one HTTP message (headers and a Content-Length body) from a socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class DroppingProxy:
    """A TCP proxy on 127.0.0.1 that forwards each request, then loses some of the replies."""

    def __init__(self, upstream: tuple[str, int], *, seed: int = 6):
        self.upstream = upstream
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = {"forwarded": 0, "dropped": 0, "truncated": 0, "answered": 0}
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with client:
            client.settimeout(30)
            request = _read_http_message(client)
            with socket.create_connection(self.upstream, timeout=30) as upstream:
                upstream.sendall(request)
                reply = b""
                while chunk := upstream.recv(65536):  # the request carries Connection: close
                    reply += chunk
            with self.lock:
                self.counts["forwarded"] += 1
                fate = self.random.random()
            if fate < 0.25:
                self._count("dropped")  # the server committed; the phone hears nothing
                client.shutdown(socket.SHUT_RDWR)
                return
            if fate < 0.34:
                self._count("truncated")  # the reply breaks off half-way
                client.sendall(reply[: len(reply) // 2])
                client.shutdown(socket.SHUT_RDWR)
                return
            self._count("answered")
            client.sendall(reply)

    def _count(self, name: str) -> None:
        with self.lock:
            self.counts[name] += 1

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.server.close()


def test_five_thousand_attempts_through_a_lossy_proxy_land_exactly_once(live_server, alice):
    cycle = make_cycle()
    homes = [make_household(offset(MARYVILLE, 30 * i, 0), street="Oak") for i in range(10)]
    make_turf(alice, cycle=cycle, doors=[make_voter(home) for home in homes])
    _, token = ApiToken.issue(user=alice, name="Fault test")
    connection.close()  # the server threads and this one must not share a connection

    now = timezone.now().isoformat()
    attempts = [
        {"uuid": str(uuid.uuid4()), "channel": "door", "result": "not_home", "device_time": now,
         "household": homes[i % len(homes)].pk}
        for i in range(ATTEMPTS)
    ]  # fmt: skip
    batches = [attempts[i : i + BATCH] for i in range(0, ATTEMPTS, BATCH)]
    upstream = urlsplit(live_server.url)
    proxy = DroppingProxy((upstream.hostname, upstream.port))
    deadline = time.monotonic() + DEADLINE_S
    statuses = {"created": 0, "duplicate": 0, "rejected": 0}
    tally = threading.Lock()
    failures = []

    def send(batch) -> None:
        body = json.dumps({"attempts": batch})
        for _ in range(MAX_TRIES):
            if time.monotonic() > deadline:
                break
            conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30)
            try:
                conn.request("POST", "/api/v1/contacts/sync", body, {
                    "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Connection": "close",
                })  # fmt: skip
                response = conn.getresponse()
                results = json.loads(response.read())["results"]
            except (OSError, http.client.HTTPException, ValueError):
                continue  # no answer: the phone keeps the batch and sends it again
            finally:
                conn.close()
            with tally:
                for result in results:
                    statuses[result["status"]] += 1
            if [r["uuid"] for r in results] == [a["uuid"] for a in batch]:
                return
        failures.append(batch[0]["uuid"])

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(send, batches))
    finally:
        proxy.close()

    sent = {a["uuid"] for a in attempts}
    stored = [str(u) for u in ContactAttempt.objects.values_list("client_uuid", flat=True)]
    print(f"\nfault test: {ATTEMPTS} attempts in {len(batches)} batches; proxy {proxy.counts}; "
          f"answers {statuses}; rows {len(stored)}, distinct {len(set(stored))}")  # fmt: skip
    assert failures == []
    assert proxy.counts["dropped"] + proxy.counts["truncated"] > 50, "the proxy must really lose replies"
    assert statuses["duplicate"] > 0 and statuses["rejected"] == 0
    assert len(stored) == len(set(stored)) == ATTEMPTS  # none duplicated
    assert set(stored) == sent  # none lost, none invented
