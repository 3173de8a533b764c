"""Gatherings at state scale: the invitee's RSVP page, and dispatching a wave of due reminders.

Builds its own database (bench_gatherings) with BENCH_GATHERINGS gatherings (default 10,000) and
BENCH_INVITATIONS invitations (default 200,000), of which BENCH_DUE_REMINDERS (default 20,000) are
yes/maybe invitees with an email at gatherings starting within three hours.

- RSVP page: 100 GETs of random invitees' private links through Django's handler in this process
  (the signature check and the page; the rate limit counts answers and refused links, not reads),
  median and p95 server time, and as ratios to the bench's trivial view (bench.urls) measured the
  same way in the same run. Target p95 < 100 ms.
- Reminders: one worker (this process) runs the beat's dispatch until nothing is owed, sending
  through Django's SMTP backend to a mail server on 127.0.0.1 (`_smtp_sink`, a process of its own that
  speaks SMTP, takes every message and tells who got which subject). Target < 60 s, 0 duplicates, 0 missed; the time is also given
  per email as a ratio to one trivial-view request, with the dispatch's query count (one UPDATE per
  email marks it sent, straight on the connection and so counted here apart: see events/mailings.py).
"""

import logging
import multiprocessing
import os
import random
import re
import socket
import statistics
import time
from collections import Counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)

from bench.database import scratch_database  # noqa: E402

BENCH_DB = "bench_gatherings"
GATHERINGS = int(os.environ.get("BENCH_GATHERINGS", "10000"))
INVITATIONS = int(os.environ.get("BENCH_INVITATIONS", "200000"))
DUE = int(os.environ.get("BENCH_DUE_REMINDERS", "20000"))
REQUESTS = 100
HOSTS = 100
VOTERS = 20_000


def _populate() -> None:
    """Hosts, voters, gatherings (the due ones first, starting within 3 hours) and their invitations."""
    from contacts.models import Voter
    from leaders.models import User

    per_gathering = INVITATIONS // GATHERINGS
    due_gatherings = -(-DUE // per_gathering)
    hosts = [
        User.objects.create_user(f"host{n}@bench.example", role=User.Role.LEADER).pk for n in range(HOSTS)
    ]
    Voter.objects.bulk_create(
        (
            Voter(id=20_000_000 + n, first_name="Guest", last_name="Neighbor", county="Nodaway")
            for n in range(VOTERS)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO events_gathering (host_id, kind, starts_at, ends_at, place, address, capacity, notes,
                                          accessibility, uid, sequence, created_at)
            SELECT (%(hosts)s::bigint[])[1 + n %% %(host_count)s], 'house_meeting',
                   CASE WHEN n < %(due)s THEN now() + interval '2 hours'
                        ELSE now() + (1 + n %% 60) * interval '1 day' END,
                   CASE WHEN n < %(due)s THEN now() + interval '3 hours 30 minutes'
                        ELSE now() + (1 + n %% 60) * interval '1 day' + interval '90 minutes' END,
                   'The Lions Club', '100 Main St', 40, 'Coffee and pie', '', gen_random_uuid(), 0, now()
            FROM generate_series(0, %(count)s) n
            """,
            {"hosts": hosts, "host_count": HOSTS, "due": due_gatherings, "count": GATHERINGS - 1},
        )
        # Every invitee of a due gathering said yes or maybe and gave an email; elsewhere a mix.
        cursor.execute(
            """
            INSERT INTO events_invitation (gathering_id, voter_id, invited_by_id, rsvp, answered_at, link_salt,
                                           email, phone, created_at)
            SELECT g.id, 20000000 + ((g.rn * %(per)s + k) %% %(voters)s), g.host_id,
                   (ARRAY['yes', 'maybe', 'no', 'invited'])[1 + CASE WHEN g.rn < %(due)s THEN k %% 2 ELSE k %% 4 END],
                   now() - interval '7 days', md5(random()::text),
                   CASE WHEN g.rn < %(due)s THEN 'guest' || g.id || '-' || k || '@example.org' ELSE '' END, '', now()
            FROM (SELECT id, host_id, row_number() OVER (ORDER BY id) - 1 AS rn FROM events_gathering) g,
                 generate_series(0, %(per)s - 1) k
            """,
            {"per": per_gathering, "voters": VOTERS, "due": due_gatherings},
        )
        cursor.execute("ANALYZE")


def _smtp_sink(listener: socket.socket, report) -> None:
    """Serve one SMTP session, accepting every message; report each one's (recipient, subject) at QUIT."""
    connection, _ = listener.accept()
    stream = connection.makefile("rwb")
    stream.write(b"220 sink ESMTP\r\n")
    stream.flush()
    accepted, recipients = [], []
    for line in stream:
        verb = line[:4].upper()
        if verb == b"DATA":
            stream.write(b"354 go on\r\n")
            stream.flush()
            message = b"".join(iter(stream.readline, b".\r\n"))
            subject = re.search(rb"^Subject: (.*)\r$", message.split(b"\r\n\r\n", 1)[0], re.MULTILINE)
            accepted += [(recipient, subject[1].decode()) for recipient in recipients]
            recipients = []
        elif verb == b"RCPT":
            recipients.append(line.split(b":", 1)[1].strip().strip(b"<>").decode())
        elif verb == b"QUIT":
            stream.write(b"221 bye\r\n")
            stream.flush()
            break
        stream.write(b"250 ok\r\n")
        stream.flush()
    report.send(accepted)


def _time(client: Client, urls: list[str]) -> list[float]:
    timings = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url, secure=True)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 401), (url, response.status_code)
    return timings


def _stats(timings: list[float]) -> tuple[float, float]:
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1]


def _measure() -> list[tuple[str, str]]:
    from events.mailings import mailings_send
    from events.models import Invitation, Mailing

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the reference answers 401 without a token
    invitation_ids = list(Invitation.objects.values_list("pk", flat=True))
    sample = Invitation.objects.filter(pk__in=random.Random(2026).sample(invitation_ids, REQUESTS))
    rsvp_urls = [f"/rsvp/{invitation.link_token()}/" for invitation in sample]
    client = Client()
    _time(client, ["/bench/trivial", *rsvp_urls[:5]])  # warm up: URL resolver, templates, connection
    trivial = _stats(_time(client, ["/bench/trivial"] * REQUESTS))
    rsvp = _stats(_time(client, rsvp_urls))

    listener = socket.create_server(("127.0.0.1", 0))
    report, sink_end = multiprocessing.Pipe()
    sink = multiprocessing.get_context("fork").Process(target=_smtp_sink, args=(listener, sink_end))
    sink.start()
    smtp = {"host": "127.0.0.1", "port": listener.getsockname()[1], "use_tls": False, "timeout": 60}
    start = time.perf_counter()
    with (
        override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                               "OPTIONS": smtp}}),
        CaptureQueriesContext(connection) as queries,
    ):  # fmt: skip
        mailings_send()
    seconds = time.perf_counter() - start
    accepted = report.recv()
    sink.join(10)
    listener.close()
    sent = Counter(accepted)
    duplicates = sum(count - 1 for count in sent.values())
    expected = Invitation.objects.expected().exclude(email="").count()
    missed = expected - len(sent)
    unsent = Mailing.objects.filter(sent_at__isnull=True).count()
    marks = Mailing.objects.filter(sent_at__isnull=False).count()  # not through Django's cursor
    per_email_ms = seconds * 1000 / max(1, len(accepted))
    return [
        ("data", f"{GATHERINGS:,} gatherings, {INVITATIONS:,} invitations, {expected:,} reminders due"),
        ("trivial view median / p95", f"{trivial[0]:.1f} ms / {trivial[1]:.1f} ms"),
        (
            f"RSVP page median / p95 ({REQUESTS} requests)",
            f"{rsvp[0]:.1f} ms / {rsvp[1]:.1f} ms ({rsvp[0] / trivial[0]:.1f}x / {rsvp[1] / trivial[1]:.1f}x trivial)"
            f"  target p95 < 100 ms: {'ok' if rsvp[1] < 100 else 'MISSED'}",
        ),
        (
            "reminders dispatched by one worker",
            f"{len(accepted):,} in {seconds:.1f} s, {per_email_ms:.2f} ms each"
            f" ({per_email_ms / trivial[0]:.1f}x a trivial request)  target < 60 s: {'ok' if seconds < 60 else 'MISSED'}",
        ),
        ("reminders duplicated / missed / left unsent", f"{duplicates} / {missed} / {unsent}"),
        (
            "queries of the dispatch",
            f"{len(queries) + marks:,} ({(len(queries) + marks) / max(1, len(accepted)):.2f} per email,"
            f" of which {marks:,} marks)",
        ),
    ]


def run() -> list[tuple[str, str]]:
    """Build the bench database, measure, drop it; return (measure, result) rows."""
    with scratch_database(BENCH_DB):
        call_command("createcachetable", verbosity=0)  # the rate limit counts in the database cache
        _populate()
        setup_test_environment()  # the in-memory mail backend and a test client's allowed host
        try:
            with override_settings(
                ROOT_URLCONF="bench.urls",
                RSVP_RATE_LIMIT_PER_MINUTE=1_000_000,
                MAILING_BATCH=settings.MAILING_BATCH,
                # No collectstatic here: pages link static files by their plain names.
                STORAGES=settings.STORAGES
                | {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
            ):
                rows = _measure()
        finally:
            teardown_test_environment()
            connections.close_all()
    return rows


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure:<48} {result}")
