"""Waiting for a server under test to go quiet before the test database is flushed."""

import time

from django.db import connection


def wait_for_the_server_to_finish_its_requests(timeout: float = 10.0) -> None:
    """Wait until no other connection to the test database has worked for a second, a quarter-second in a row.

    Closing the tab does not stop a request the live server is still answering (a sync, a poll).
    If the test database is flushed under it, the two lock each other and PostgreSQL kills the flush.
    A connection idle for longer is not a request's: it is an earlier test's, left open and harmless.
    """
    quiet_since = None
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                " AND (state <> 'idle' OR state_change > clock_timestamp() - interval '1 second')"
            )
            if cursor.fetchone()[0]:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 0.25:
                return
            time.sleep(0.05)
