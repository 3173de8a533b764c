"""Refuse a server too old for the app's SQL, or a database migrated before the squash: in `check`/`migrate`."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

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


def stale_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Return the project's migrations the database records as applied that are no longer on disk."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    # The apps next to manage.py; installed packages (even in a .venv inside the repo) are not ours.
    ours = {
        config.label for config in apps.get_app_configs() if Path(config.path).parent == settings.BASE_DIR
    }
    known = set(loader.disk_migrations)
    known.update(replaced for migration in loader.disk_migrations.values() for replaced in migration.replaces)
    return sorted(
        f"{app}.{name}" for app, name in loader.applied_migrations if app in ours and (app, name) not in known
    )


@checks.register(checks.Tags.database)
def check_migrations_on_disk(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Fail `check --database` and `migrate` on a database built by the migrations before the squash."""
    errors = []
    for alias in databases or []:
        version = server_version(alias)
        if not version or version_problem(version):
            continue  # unreachable, or too old, which the check above reports
        stale = stale_migrations(alias)
        if stale:
            # Django would skip them silently and fail later on a table that already exists.
            errors.append(
                checks.Error(
                    f"The database was built by migrations this version no longer has ({', '.join(stale)}):"
                    " each app's migrations were replaced by one initial migration.",
                    hint="Nothing was deployed with the old ones: start from an empty database"
                    " (`make clean` deletes .venv and var/, the embedded database, with all its data).",
                    id="nl.E002",
                )
            )
    return errors
