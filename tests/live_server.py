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


class ServerCut:
    """The phone's lost signal, enforced at the server too: while `on`, the live server refuses every POST.

    Playwright's routes and offline setting cut what they intercept, but under load a page just
    opened from the phone's saved copy can send its first requests before they apply to it (seen in
    full runs: a sync from such a page reached the server mid-"offline"). With no signal nothing
    reaches the server, so a POST that slips past the browser's cut is refused here, with a 503 the
    outbox treats like any failed send (the record stays on the phone).
    """

    on = False

    @classmethod
    def install(cls, live_server) -> None:
        httpd = live_server.thread.httpd
        app = httpd.get_app()
        if getattr(app, "server_cut", False):
            return

        def gated(environ, start_response):
            if cls.on and environ.get("REQUEST_METHOD") == "POST":
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"No signal."]
            return app(environ, start_response)

        gated.server_cut = True
        httpd.set_app(gated)
