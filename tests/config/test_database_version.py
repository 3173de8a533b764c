"""The app refuses, at start and in `check`, a PostgreSQL server older than the one it needs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from config import checks

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "server_version, problem",
    [
        (140010, "PostgreSQL 14.10 is too old: Neighborhood Leader needs PostgreSQL 15 or newer."),
        (130022, "PostgreSQL 13.22 is too old: Neighborhood Leader needs PostgreSQL 15 or newer."),
        (150000, None),
        (170006, None),
        (180001, None),
    ],
)
def test_it_names_the_server_version_and_the_minimum(server_version, problem):
    assert checks.version_problem(server_version) == problem


def test_it_runs_on_every_server_django_supports():
    assert connection.features.minimum_database_version == checks.MINIMUM_POSTGRESQL


def test_it_passes_the_database_check_on_this_server(db, capsys):
    call_command("check", databases=["default"])
    assert "no issues" in capsys.readouterr().out


def test_it_fails_the_database_check_on_a_server_older_than_the_minimum(db, monkeypatch):
    # This machine has no server older than 15: ask for one newer than any instead.
    monkeypatch.setattr(checks, "MINIMUM_POSTGRESQL", (99,))
    with pytest.raises(
        SystemCheckError, match=r"PostgreSQL \d+\.\d+ is too old: .* needs PostgreSQL 99 or newer"
    ):
        call_command("check", databases=["default"])


def test_it_refuses_to_serve_on_a_server_older_than_the_minimum(db, monkeypatch):
    checks.refuse_an_unsupported_server()
    monkeypatch.setattr(checks, "MINIMUM_POSTGRESQL", (99,))
    with pytest.raises(ImproperlyConfigured, match=r"needs PostgreSQL 99 or newer"):
        checks.refuse_an_unsupported_server()


def test_it_starts_anyway_when_the_server_cannot_be_reached():
    # A database that is down at start is /healthz's to report, not a reason to stop serving.
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "a-production-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere",
        "DB_CONNECT_TIMEOUT": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
