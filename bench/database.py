"""A database of a benchmark's own on the dev server: created, migrated, used, dropped.

Benchmarks never touch the dev database. BENCH_KEEP_DB=1 keeps theirs afterwards for a look.
"""

import os
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connections


def admin_connection(dbname: str = "postgres") -> psycopg.Connection:
    """Connect, autocommitting, to a database of the dev server (by default the maintenance one)."""
    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def database_url(name: str) -> str:
    """Return a DATABASE_URL for a database of the dev server, for child processes."""
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT'] or 5432}/{name}"


def use_database(name: str) -> None:
    """Point Django's default connection at another database of the same server."""
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name


@contextmanager
def scratch_database(name: str):
    """Create and migrate a database, point Django at it, and drop it afterwards."""
    original = settings.DATABASES["default"]["NAME"]
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        use_database(name)
        call_command("migrate", verbosity=0)
        connections.close_all()
        yield
    finally:
        use_database(original)
        if not os.environ.get("BENCH_KEEP_DB"):
            with admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
