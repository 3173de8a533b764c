"""Refuse a PostgreSQL server older than the app's SQL runs on: in `check`/`migrate` and at start."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

# Django 6.1's own minimum, and the oldest server the suite is run on (README, "PostgreSQL").
# Django refuses older ones too, but only as a NotSupportedError inside the first request.
MINIMUM_POSTGRESQL = (15,)


def version_problem(server_version: int) -> str | None:
    """Say why a server of this version (libpq's number: 150004 is 15.4) cannot run the app."""
    major, minor = divmod(server_version, 10000)
    if (major,) >= MINIMUM_POSTGRESQL:
        return None
    needed = ".".join(map(str, MINIMUM_POSTGRESQL))
    return f"PostgreSQL {major}.{minor} is too old: Neighborhood Leader needs PostgreSQL {needed} or newer."


def server_version(alias: str = DEFAULT_DB_ALIAS) -> int | None:
    """Return the server's version number, or None when it cannot be reached."""
    wrapper = connections[alias]
    # A connection of its own: Django's would run its version check first and raise without detail.
    try:
        with wrapper.Database.connect(**wrapper.get_connection_params()) as raw:
            return raw.info.server_version
    except wrapper.Database.OperationalError:
        return None


@checks.register(checks.Tags.database)
def check_postgresql_version(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Fail `check --database` and `migrate` on a server that is too old."""
    errors = []
    for alias in databases or []:
        version = server_version(alias)
        problem = version_problem(version) if version else None
        if problem:
            errors.append(checks.Error(problem, hint=f"DATABASE_URL points at it ({alias}).", id="nl.E001"))
    return errors


def refuse_an_unsupported_server() -> None:
    """Stop the app from serving on a server that is too old; one that is down is /healthz's to report."""
    version = server_version()
    problem = version_problem(version) if version else None
    if problem:
        raise ImproperlyConfigured(problem)
