"""A rollup worker killed for real (SIGKILL) mid-run leaves the shared database correct and unlocked."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connections

from contacts.rollup import LOCK_KEY, rollup_ids
from contacts.shared import RollupState, SharedVoter
from tests.cast import make_alice, make_household, make_voter
from tests.contacts.test_rollup import knock, recomputed, tables

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "shared"])

ROOT = Path(__file__).resolve().parents[2]
VOTERS = 120


def url(alias: str) -> str:
    """Return a DATABASE_URL for this run's test database behind a connection alias."""
    settings = connections[alias].settings_dict
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = quote(settings["HOST"] or "", safe="") + (f":{settings['PORT']}" if settings["PORT"] else "")
    return f"postgres://{credentials}{'@' if credentials else ''}{host}/{quote(settings['NAME'])}"


def lock_is_free() -> bool:
    with connections["shared"].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        (taken,) = cursor.fetchone()
        if taken:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        return taken


def wait_for(condition, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_worker_killed_after_a_chunk_committed_leaves_what_a_clean_full_run_makes():
    leader = make_alice()
    households = [make_household(None, precinct=f"P{n}") for n in range(4)]
    voters = [make_voter(households[n % 4], score=(n * 7) % 101) for n in range(VOTERS)]
    for n, voter in enumerate(voters[::3]):
        knock(voter, leader, party_id=n % 5 + 1)
    env = {
        **os.environ,
        "DATABASE_URL": url("default"),
        "SHARED_DATABASE_URL": url("shared"),
        "DB_CONN_MAX_AGE": "0",
    }
    env.pop("SHARED_READER_DATABASE_URL", None)
    # One voter a chunk: a run of many small transactions, long enough to be killed in the middle.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rollup_ids", "--full", "--chunk-voters", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        started = wait_for(
            lambda: (
                RollupState.objects.filter(pk=1, run_after__isnull=False).exists()
                or worker.poll() is not None
            ),
            seconds=60,
        )
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        out, err = worker.communicate(timeout=30)
    assert started and worker.returncode == -signal.SIGKILL, (out + err).decode()[-2000:]
    state = RollupState.objects.get()
    assert state.run_full and state.run_target is not None and state.run_after is not None
    assert 0 < SharedVoter.objects.count() < VOTERS
    # Its server session ends with the process, and the advisory lock with it.
    assert wait_for(lock_is_free, seconds=10)

    resumed = rollup_ids()
    assert resumed.run_id == state.run_id and resumed.full
    assert RollupState.objects.get().run_target is None
    assert tables() == recomputed()
