"""Batch work in the database: imports, cuts and rebuilds that read every voter.

The settings give every connection a statement timeout meant for web requests (30 s by default).
Statewide, one statement of an import or a full turf cut takes minutes, so batch work lifts it
for its own transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def without_request_timeout() -> Iterator[None]:
    """Lift the statement timeout inside the current transaction; put the caller's back after.

    Call it inside `transaction.atomic()`. A rollback puts the timeout back by itself.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), set_config('statement_timeout', '0', true)"
        )
        (timeout, _) = cursor.fetchone()
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
