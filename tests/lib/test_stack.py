"""lib.stack: the embedded PostgreSQL starts with its bulk-loading settings, whatever made its cluster."""

import subprocess

import pytest

from lib import stack


def test_it_starts_an_existing_cluster_with_the_bulk_loading_settings(tmp_path, monkeypatch):
    postgres = stack.EmbeddedPostgres()
    postgres.data, postgres.log, postgres.as_root = tmp_path / "pgdata", tmp_path / "log" / "pg.log", False
    postgres.data.mkdir()
    (postgres.data / "PG_VERSION").write_text("18\n")  # made earlier: no initdb, no config file rewritten
    calls = []

    def run(*args, check=True):
        calls.append(args)
        return subprocess.CompletedProcess(args, 0 if args[-1] == "start" else 3, "", "")

    monkeypatch.setattr(postgres, "_run", run)
    monkeypatch.setattr(postgres, "_ensure_database", lambda: None)
    monkeypatch.setattr(stack, "free_port", lambda port, what: 54999)

    postgres.start()

    (start,) = [args for args in calls if args[-1] == "start"]
    options = start[start.index("-o") + 1]
    assert "-p 54999" in options
    for setting in (
        "wal_level=minimal",
        "max_wal_senders=0",
        "max_wal_size=4GB",
        "listen_addresses=127.0.0.1",
    ):
        assert f"-c {setting}" in options


def test_a_failed_management_command_stops_with_its_name_not_a_traceback():
    with pytest.raises(SystemExit) as stop:
        stack.Stack(broker=False).manage("no_such_command")
    assert "manage.py no_such_command" in str(stop.value.code)
