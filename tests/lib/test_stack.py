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


# --- `make run`: the demo logins come last, in one block, once everything is up; Celery logs go to var/log.

LOGINS = "Demo logins (password for all: neighbors-2026)\n  State staff          sam@example.org\n"


class FakeProcess:
    """A child that is up at once and stops when the loop first looks again."""

    def __init__(self, args, stdout):
        self.args, self.stdout, self.pid, self.returncode = args, stdout, 0, None
        self.polls = 0

    def poll(self):
        self.polls += 1
        if self.polls > 2:
            self.returncode = 0
        return self.returncode


def fake_run(monkeypatch, tmp_path):
    spawned = []
    monkeypatch.setattr(stack, "VAR", tmp_path)
    monkeypatch.setattr(
        stack.Stack, "__enter__", lambda self: (self.env.update(DATABASE_URL="postgres://x/y"), self)[1]
    )
    monkeypatch.setattr(stack.Stack, "__exit__", lambda self, *exc: None)
    monkeypatch.setattr(stack.Stack, "manage", lambda self, *args: None)
    monkeypatch.setattr(stack.Stack, "output", lambda self, *args: LOGINS)
    monkeypatch.setattr(stack, "port_is_open", lambda port: True)
    monkeypatch.setattr(stack.time, "sleep", lambda seconds: None)

    def spawn(self, *args, log=None, extra_env=None):
        if log is not None and "worker" in args:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a") as appended:
                appended.write("[tasks]\n  . contacts.tasks.rollup_ids\n\ncelery@here ready.\n")
        child = FakeProcess(args, log)
        spawned.append(child)
        self.children.append(child)
        return child

    monkeypatch.setattr(stack.Stack, "spawn", spawn)
    return spawned


def test_it_prints_the_logins_last_in_one_block_once_everything_is_up(monkeypatch, tmp_path, capsys):
    spawned = fake_run(monkeypatch, tmp_path)

    stack.run()

    out = capsys.readouterr().out
    block = out[out.index("Neighborhood Leader is running") :]
    assert "http://127.0.0.1:8000/" in block
    for line in LOGINS.strip().splitlines():
        assert line.strip() in block
    # A TOTP code without any extra tool, by a command that runs as printed in another terminal:
    # there DEBUG is off (no secret key) and the embedded server may be on another port.
    (command,) = [line.strip() for line in block.splitlines() if "manage.py demo_totp sam" in line]
    assert command.startswith("DJANGO_DEBUG=true DATABASE_URL=postgres://")
    assert "oathtool" not in out
    assert str(tmp_path / "log" / "celery-worker.log") in block
    assert str(tmp_path / "log" / "celery-beat.log") in block
    # Nothing after the block but the fake servers' stopping, which ends the run.
    assert out.rstrip().endswith("=" * 78 + "\n[stack] a process stopped; shutting everything down")
    assert "Still starting" not in block
    assert len(spawned) == 3


def test_it_says_which_server_is_still_starting_when_the_worker_never_said_ready(
    monkeypatch, tmp_path, capsys
):
    fake_run(monkeypatch, tmp_path)
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "celery-worker.log").write_text("celery@here ready.\n")  # an earlier run's
    monkeypatch.setattr(stack.Stack, "spawn", lambda self, *args, log=None, extra_env=None: (
        self.children.append(child := FakeProcess(args, log)), child)[1])  # fmt: skip
    monkeypatch.setattr(stack.time, "monotonic", iter(range(0, 10_000, 30)).__next__)

    stack.run()

    assert "Still starting: the Celery worker" in capsys.readouterr().out


def test_it_sends_the_worker_and_beat_logs_to_var_log(monkeypatch, tmp_path):
    spawned = fake_run(monkeypatch, tmp_path)

    stack.run()

    worker, beat, web = spawned
    assert "worker" in worker.args and worker.stdout == tmp_path / "log" / "celery-worker.log"
    assert "beat" in beat.args and beat.stdout == tmp_path / "log" / "celery-beat.log"
    assert "runserver" in web.args and web.stdout is None  # request logs and errors stay on the terminal


def test_spawn_writes_a_childs_output_to_its_log_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://x/y")
    log = tmp_path / "log" / "child.log"
    with_stack = stack.Stack(broker=False)
    child = with_stack.spawn("sh", "-c", "echo out; echo err >&2", log=log)
    assert child.wait(10) == 0
    assert log.read_text().split() == ["out", "err"]


def test_it_creates_the_program_and_the_shared_database_on_the_embedded_server(monkeypatch):
    import psycopg
    from django.db import connection

    names = ("nl_stack_test", "nl_stack_test_shared")
    monkeypatch.setattr(stack, "DB_NAME", names[0])
    monkeypatch.setattr(stack, "SHARED_DB_NAME", names[1])
    postgres = stack.EmbeddedPostgres()
    postgres.port = int(connection.settings_dict["PORT"] or 5432)
    server = {"host": connection.settings_dict["HOST"], "port": postgres.port, "user": "postgres"}
    with psycopg.connect(**server, dbname="postgres", autocommit=True) as conn:
        try:
            postgres._ensure_database()
            postgres._ensure_database()  # a second `make run` finds them
            found = conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", [list(names)])
            assert sorted(name for (name,) in found) == sorted(names)
        finally:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_make_run_migrates_both_databases(monkeypatch, tmp_path):
    fake_run(monkeypatch, tmp_path)
    managed = []
    monkeypatch.setattr(stack.Stack, "manage", lambda self, *args: managed.append(args))

    stack.run()

    assert managed[:2] == [("migrate", "--noinput"), ("migrate", "--database", "shared", "--noinput")]
