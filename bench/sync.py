"""Sync throughput: batches of 20 attempts from 50 concurrent clients, against a trivial view.

Builds its own database (bench_sync) on the same server with 50 leaders and their lists, starts
gunicorn on 127.0.0.1, and measures for a fixed time each: a trivial Django view (the middleware
and the same bearer-token authentication the sync API does, then "ok") and POST
/api/v1/contacts/sync with 20 new attempts a request (half knocks with an ID, half calls), each
client a leader with a bearer token. Then it restarts gunicorn with the broker unreachable
(REDIS_URL at a closed port) and measures both again: recording must not care.

Targets: sync p95 under 150 ms and at least 40% of the trivial view's requests per second. The
closed loop (each client sends again the moment it is answered) measures capacity; a paced run
(each client one batch every BENCH_SYNC_PACE seconds) shows latency at a steady, still heavy load.
Server, database and load generator share the machine: the table gives each one's CPU a request.
BENCH_SYNC_SECONDS (default 10), BENCH_SYNC_CLIENTS (50), BENCH_SYNC_WORKERS (gunicorn workers, 4),
BENCH_SYNC_WORKER_CLASS (sync, or gthread with BENCH_SYNC_THREADS threads and keep-alive).
"""

import asyncio
import json
import math
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.database import admin_connection, database_url, scratch_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_sync"
SECONDS = float(os.environ.get("BENCH_SYNC_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_SYNC_CLIENTS", "50"))
WORKERS = int(os.environ.get("BENCH_SYNC_WORKERS", "4"))
# sync workers close the connection after each answer; gthread keeps it for the next request.
WORKER_CLASS = os.environ.get("BENCH_SYNC_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_SYNC_THREADS", "4"))
BATCH = 20
HOUSEHOLDS_PER_LEADER = 10
# Paced load: every client sends a batch this often, far more than 50 phones in the field would.
PACE = float(os.environ.get("BENCH_SYNC_PACE", "0.5"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _populate() -> list[dict]:
    """Make one leader per client, each with call voters and door households; return their tokens."""
    from contacts.models import Household, Phone, Voter
    from leaders.models import ApiToken, User
    from turf.models import Cycle, Entry, Turf

    cycle = Cycle.objects.create(name="Bench General", election_date=date(2028, 11, 7), is_active=True)
    clients = []
    for n in range(CLIENTS):
        leader = User.objects.create_user(f"leader{n}@bench.example", role=User.Role.LEADER)
        turf = Turf.objects.create(cycle=cycle, leader=leader, county="Nodaway")
        homes = Household.objects.bulk_create(
            Household(address_key=f"{n}-{h} Bench St", house_number=h, street_name="Bench", county="Nodaway")
            for h in range(HOUSEHOLDS_PER_LEADER)
        )
        voters = Voter.objects.bulk_create(
            Voter(id=10_000_000 + n * 100 + i, household=homes[i // 2], county="Nodaway")
            for i in range(2 * HOUSEHOLDS_PER_LEADER)
        )
        Phone.objects.bulk_create(Phone(voter=v, number=f"660555{v.pk % 10_000:04d}") for v in voters)
        Entry.objects.bulk_create(
            Entry(turf=turf, cycle=cycle, voter=v, household=v.household, list=Entry.List.CALL if i % 2 else Entry.List.DOOR)
            for i, v in enumerate(voters)
        )  # fmt: skip
        _, token = ApiToken.issue(user=leader, name="bench")
        doors = [(v.household_id, v.pk) for i, v in enumerate(voters) if i % 2 == 0]
        calls = [v.pk for i, v in enumerate(voters) if i % 2]
        clients.append({"token": token, "doors": doors, "calls": calls})
    return clients


def _batch_template(client: dict) -> list[str]:
    """The client's batch as JSON split where each attempt's UUID goes (half knocks with an ID, half calls)."""
    items = []
    for i in range(BATCH):
        if i % 2 == 0:
            household, voter = client["doors"][i // 2 % len(client["doors"])]
            items.append({"uuid": "@UUID@", "channel": "door", "result": "talked", "device_time": "@NOW@",
                          "household": household, "people": [{"voter": voter, "party_id": 1 + i % 5}]})  # fmt: skip
        else:
            voter = client["calls"][i // 2 % len(client["calls"])]
            items.append({"uuid": "@UUID@", "channel": "phone", "result": "no_answer", "device_time": "@NOW@",
                          "voter": voter})  # fmt: skip
    return json.dumps({"attempts": items}).split("@UUID@")


def _batch(client: dict) -> bytes:
    """A new batch: new UUIDs, the time now. The load generator shares the CPUs with the server,
    so it fills a template rather than building and encoding twenty objects a request."""
    parts = client.get("template") or client.setdefault("template", _batch_template(client))
    uuids = [str(uuid.UUID(int=random.getrandbits(128), version=4)) for _ in range(BATCH)]
    body = parts[0] + "".join(new + part for new, part in zip(uuids, parts[1:], strict=True))
    return body.replace("@NOW@", timezone.now().isoformat()).encode()


class _Connection:
    """One client's HTTP/1.1 connection, kept open for the next request while the server allows it.

    gunicorn's sync workers close after every answer (as a proxy's hop to them would), so each
    request then pays for a new connection; gthread workers keep it (BENCH_SYNC_WORKER_CLASS).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> int:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        for retry in (False, True):
            reused = self.writer is not None
            if not reused:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(head.encode() + b"\r\n" + body)
                status, reply = await self._read_reply()
                break
            except (asyncio.IncompleteReadError, ConnectionError):
                self.close()
                # The server may close a kept connection just as it is reused: try once on a new one.
                if retry or not reused:
                    raise
        if path.endswith("sync") and status == 200 and b'"created"' not in reply:
            raise RuntimeError(f"sync did not create: {reply[-300:]!r}")
        return status

    async def _read_reply(self) -> tuple[int, bytes]:
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {
            name.strip().lower(): value.strip().lower()
            for name, _, value in (h.partition(":") for h in lines[1:] if h)
        }
        if "content-length" in fields:
            reply = await self.reader.readexactly(int(fields["content-length"]))
        else:
            reply, fields["connection"] = await self.reader.read(), "close"
        if fields.get("connection") == "close":
            self.close()
        return status, reply


async def _request(port: int, method: str, path: str, headers: dict, body: bytes = b"") -> int:
    connection = _Connection(port)
    try:
        return await connection.request(method, path, headers, body)
    finally:
        connection.close()


async def _load(port: int, clients: list[dict], kind: str, *, every: float = 0.0) -> dict:
    """Run the clients for SECONDS, each as fast as it can or one request `every` seconds.

    Return requests/s, p50, p95, errors, and the CPU the load generator itself used per second.
    """
    latencies, errors = [], 0
    stop = time.monotonic() + SECONDS

    async def one(client):
        nonlocal errors
        connection = _Connection(port)
        next_at = time.monotonic() + random.random() * every
        while time.monotonic() < stop:
            if every:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at += every
            if kind == "sync":
                args = ("POST", "/api/v1/contacts/sync",
                        {"Authorization": f"Bearer {client['token']}", "Content-Type": "application/json"}, _batch(client))  # fmt: skip
            else:
                args = ("GET", "/bench/trivial", {"Authorization": f"Bearer {client['token']}"})
            start = time.perf_counter()
            try:
                status = await connection.request(*args)
            except (OSError, RuntimeError, IndexError, ValueError, asyncio.IncompleteReadError):
                connection.close()
                status = 0
            if status == 200:
                latencies.append((time.perf_counter() - start) * 1000)
            else:
                errors += 1
        connection.close()

    began, cpu = time.monotonic(), time.process_time()
    await asyncio.gather(*(one(client) for client in clients))
    elapsed = time.monotonic() - began
    if errors > len(latencies) // 100:
        raise RuntimeError(f"{kind}: {errors} failed requests against {len(latencies)} answered")
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)]
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2], "p95": p95, "errors": errors,
            "requests": len(latencies), "client_cpu": time.process_time() - cpu, "elapsed": elapsed}  # fmt: skip


def _gunicorn(port: int, redis_url: str, token: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.web",
        "DATABASE_URL": database_url(BENCH_DB),
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        # Each bench client sends as fast as it can, far past a phone's rate: count, never refuse.
        "SYNC_RATE_LIMIT_PER_MINUTE": "1000000000",
    }
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
               str(WORKERS), "--worker-class", WORKER_CLASS, "--backlog", "2048", "--log-level", "warning"]  # fmt: skip
    if WORKER_CLASS == "gthread":
        command += ["--threads", str(THREADS), "--keep-alive", "5"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(200):
        try:
            if (
                asyncio.run(_request(port, "GET", "/bench/trivial", {"Authorization": f"Bearer {token}"}))
                == 200
            ):
                return process
        except (OSError, IndexError, ValueError):
            if process.poll() is not None:
                raise RuntimeError("gunicorn did not start") from None
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not open its port in 20 s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time (user + system) each process has used so far."""
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # gone, or not Linux
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def _server_pids(server: subprocess.Popen) -> tuple[list[int], list[int]]:
    """gunicorn's master and workers, and the PostgreSQL backends serving the bench database."""
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    with admin_connection() as admin:
        backends = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]).fetchall()
    return [server.pid, *map(int, workers)], [pid for (pid,) in backends]


def _load_with_cpu(server: subprocess.Popen, port: int, clients: list[dict], kind: str) -> dict:
    """Run a load flat out; add the CPU gunicorn and PostgreSQL spent per request (ms) to its figures."""
    before = [_cpu_seconds(pids) for pids in _server_pids(server)]
    result = asyncio.run(_load(port, clients, kind))
    after = [_cpu_seconds(pids) for pids in _server_pids(server)]
    # A backend that appeared during the load counts from zero.
    spent = [
        sum(used - start.get(pid, 0.0) for pid, used in end.items())
        for start, end in zip(before, after, strict=True)
    ]
    requests = max(result["requests"], 1)
    return result | {"gunicorn_ms": spent[0] / requests * 1000, "postgres_ms": spent[1] / requests * 1000,
                     "client_ms": result["client_cpu"] / requests * 1000}  # fmt: skip


def _measure(clients: list[dict]) -> list[tuple[str, str]]:
    rows = []
    closed_port = _free_port()  # nothing listens there: the broker is "down"
    for label, redis_url in (
        ("broker up", settings.REDIS_URL),
        ("broker down", f"redis://127.0.0.1:{closed_port}/0"),
    ):
        port = _free_port()
        server = _gunicorn(port, redis_url, clients[0]["token"])
        try:
            asyncio.run(_load(port, clients[:5], "trivial"))  # warm every worker's connection
            trivial = _load_with_cpu(server, port, clients, "trivial")
            sync = _load_with_cpu(server, port, clients, "sync")
            paced = asyncio.run(_load(port, clients, "sync", every=PACE))
        finally:
            _stop(server)
        share = sync["rps"] / trivial["rps"] * 100
        rows += [
            (f"{label}: trivial view", f"{trivial['rps']:.0f} req/s, p50 {trivial['p50']:.0f} ms, "
                                      f"p95 {trivial['p95']:.0f} ms, {trivial['errors']} errors"),
            (f"{label}: sync, {BATCH} attempts a batch", f"{sync['rps']:.0f} req/s ({sync['rps'] * BATCH:.0f} attempts/s), "
                                                      f"p50 {sync['p50']:.0f} ms, p95 {sync['p95']:.0f} ms, {sync['errors']} errors"),
            (f"{label}: sync vs trivial", f"{share:.0f}% of its rate (target >= 40%), p95 target < 150 ms"),
            *[(f"{label}: {name} CPU a request", f"gunicorn {r['gunicorn_ms']:.2f} ms, postgres {r['postgres_ms']:.2f} ms, "
                                                 f"load generator {r['client_ms']:.2f} ms "
                                                 f"({r['client_cpu'] / r['elapsed']:.2f} of a core)")
              for name, r in (("trivial", trivial), ("sync", sync))],
            (f"{label}: sync paced, each client every {PACE:g} s", f"{paced['rps']:.0f} req/s, p50 {paced['p50']:.0f} ms, "
                                                                  f"p95 {paced['p95']:.0f} ms, {paced['errors']} errors"),
        ]  # fmt: skip
    return rows


def run() -> list[tuple[str, str]]:
    """Build the bench database, serve it with gunicorn, measure, drop it; return (measure, result) rows."""
    with scratch_database(BENCH_DB):
        clients = _populate()
        connections.close_all()
        rows = [
            (
                "sync clients / gunicorn workers",
                f"{CLIENTS} concurrent / {WORKERS} {WORKER_CLASS} workers"
                + (f" x {THREADS} threads, keep-alive" if WORKER_CLASS == "gthread" else "")
                + f", {SECONDS:.0f} s each, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before",
            )
        ]
        return rows + _measure(clients)


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure:<48} {result}")
