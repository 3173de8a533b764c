"""Production mode without Docker: collectstatic, gunicorn with DEBUG off, real PostgreSQL, HTTP."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from http.client import HTTPConnection, HTTPResponse
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from django.conf import global_settings
from django.db import connection
from django.urls import reverse

from leaders.models import User
from tests.cast import PASSWORD, make_gathering, make_lists
from tests.live_server import wait_for_the_server_to_finish_its_requests
from tests.sign_in import totp_code

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "smoke-test-Vq8rL2xN5wK0pT7yH3mB9cZ4fJ6dS1gA-production-mode"
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
LINK = re.compile(r"""(?:href|src|action)="([^"#]*)""")
ONE_YEAR = 365 * 24 * 3600


def production_env(static_root: Path) -> dict[str, str]:
    """The environment of a deployment: DEBUG off, HTTPS behind a proxy, this run's test database."""
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = quote(settings["HOST"] or "", safe="") + (f":{settings['PORT']}" if settings["PORT"] else "")
    url = f"postgres://{credentials}{'@' if credentials else ''}{host}/{quote(settings['NAME'])}"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "CELERY_"))}
    return {
        **inherited,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "DB_CONN_MAX_AGE": "0",  # the suite flushes this database after the test
        "STATIC_ROOT": str(static_root),
        "TRUST_X_FORWARDED_PROTO": "true",
    }


def collectstatic(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


class Gunicorn:
    """gunicorn serving config.wsgi on a port the kernel picks, stopped (with its workers) on exit."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> "Gunicorn":
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", "127.0.0.1:0",
                    "--workers", "2", "--timeout", "30", "--graceful-timeout", "5",
                    "--error-logfile", "-", "--access-logfile", "-",
                ],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            self._wait_until_it_answers()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + 30
        while not self.port:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.output())
            if found:
                self.port = int(found.group(1))
            elif self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{self.output()[-4000:]}")
            else:
                time.sleep(0.1)
        while True:
            try:
                if self.request("GET", "/healthz").status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /healthz:\n{self.output()[-4000:]}")
            time.sleep(0.2)

    def __exit__(self, *exc_info) -> None:
        if self.process is None:
            return
        # The whole group: a worker must not outlive an arbiter that died on its own.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(5)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, method: str, path: str, *, headers: dict | None = None, body: str | None = None):
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            response.body = response.read()
            return response
        finally:
            conn.close()


class Browser:
    """A client that keeps cookies (Secure ones too: the proxy in front speaks HTTPS) and never follows."""

    def __init__(self, server: Gunicorn) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}
        self.origin = f"https://127.0.0.1:{server.port}"

    def request(self, method: str, path: str, *, form: dict | None = None, **headers) -> HTTPResponse:
        headers = {"X-Forwarded-Proto": "https", "Referer": self.origin + "/", **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
        response = self.server.request(method, path, headers=headers, body=body)
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        assert response.status < 500, f"{method} {path} answered {response.status}"
        return response

    def get(self, path: str, **headers) -> HTTPResponse:
        return self.request("GET", path, **headers)

    def post_form(self, path: str, fields: dict) -> HTTPResponse:
        page = self.get(path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
        return self.request(
            "POST", path, form={"csrfmiddlewaretoken": token, **fields}, Referer=self.origin + path
        )

    def sign_in(self, user: User) -> HTTPResponse:
        response = self.post_form(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        assert response.status == 302, response.body[-2000:]
        return response

    def crawl(self, start: list[str], *, limit: int) -> dict[str, HTTPResponse]:
        """GET same-site pages reachable from these by links, breadth first, none of them a 500."""
        seen: dict[str, HTTPResponse] = {}
        queue = deque(start)
        while queue and len(seen) < limit:
            path = queue.popleft()
            if path in seen or path.startswith((reverse("account_logout"), "/static/")):
                continue
            response = seen[path] = self.get(path)
            if "text/html" in (response.getheader("Content-Type") or ""):
                for link in LINK.findall(response.body.decode()):
                    parts = urlsplit(urljoin(path, link))
                    if not parts.netloc and parts.path.startswith("/"):
                        queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return seen


def static_references(pages: dict[str, HTTPResponse]) -> set[str]:
    found = set()
    for response in pages.values():
        if "text/html" in (response.getheader("Content-Type") or ""):
            found |= set(re.findall(r"""(/static/[^"'?#\s)]+)""", response.body.decode()))
    return found


def use_the_production_password_hasher(settings, *users: User) -> None:
    # The suite hashes with MD5 for speed; gunicorn has production's hashers, which do not read MD5.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    for user in users:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def migrate_the_shared_database(env: dict[str, str]) -> None:
    # As the web service does before gunicorn: the shared ID database's tables and reader role.
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--database", "shared", "--noinput"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


@pytest.fixture
def server(transactional_db):
    with tempfile.TemporaryDirectory(prefix="nl-static-") as static_root:
        env = production_env(Path(static_root))
        collectstatic(env)
        migrate_the_shared_database(env)
        with Gunicorn(env, Path(static_root) / "gunicorn.log") as gunicorn:
            yield gunicorn
            wait_for_the_server_to_finish_its_requests()
        log = gunicorn.output()
        assert "Traceback" not in log and "Internal Server Error" not in log, log[-6000:]


# Staff pages read the shared ID database too; the test databases of both are made for it.
@pytest.mark.django_db(transaction=True, databases=["default", "shared"])
def test_it_serves_a_leader_and_staff_in_production_mode(settings, server, alice, bob, sam):
    lists = make_lists(alice, bob)
    gathering = make_gathering(alice)
    use_the_production_password_hasher(settings, alice, sam)

    # Plain HTTP is sent to HTTPS; the proxy's header makes a request HTTPS.
    insecure = server.request("GET", "/")
    assert insecure.status == 301 and insecure.getheader("Location").startswith("https://")

    leader = Browser(server)
    leader.sign_in(alice)
    own_pages = [
        reverse("home"),
        reverse("field:calls"),
        reverse("field:call", args=[lists.calls[0].pk]),
        reverse("turf:detail", args=[lists.alice_turf.pk]),
        reverse("field:doors"),
        reverse("field:knock", args=[lists.homes[0].pk]),
        reverse("field:call_sheet", args=[lists.alice_turf.pk]),
        reverse("field:walk_sheet", args=[lists.alice_turf.pk]),
        reverse("events:gathering", args=[gathering.pk]),
        reverse("field:service_worker"),
    ]
    for path in own_pages:
        assert leader.get(path).status == 200, path
    # Bob's list is out of Alice's scope: a 404 page, rendered without error in production mode.
    assert leader.get(reverse("turf:detail", args=[lists.bob_turf.pk])).status == 404
    pages = leader.crawl(own_pages, limit=40)

    staff = Browser(server)
    assert staff.sign_in(sam).getheader("Location") == reverse("mfa_authenticate")
    assert staff.post_form(reverse("mfa_authenticate"), {"code": totp_code(sam)}).status == 302
    assert staff.get(reverse("home")).status in (200, 302)
    pages |= staff.crawl(
        [
            reverse("home"),
            reverse("turf:index"),
            reverse("contacts:imports"),
            reverse("contacts:rollup"),
            "/admin/",
        ],
        limit=40,
    )

    static = static_references(pages)
    assert any(path.endswith(".css") for path in static) and any(path.endswith(".js") for path in static)
    for path in static:
        assert HASHED_NAME.search(path), f"{path} is not cache-busted"
        response = leader.get(path, **{"Accept-Encoding": "gzip, br"})
        assert response.status == 200, path
        max_age = int(re.search(r"max-age=(\d+)", response.getheader("Cache-Control")).group(1))
        assert max_age >= ONE_YEAR, path
        if path.endswith((".css", ".js")):
            assert response.getheader("Content-Encoding") in ("gzip", "br"), path
        if path.endswith(".css"):
            # Images a stylesheet names (Leaflet's markers) are rewritten to their hashed names too.
            for url in re.findall(r"""url\(["']?([^"')]+)""", leader.get(path).body.decode()):
                if not url.startswith(("data:", "#")):
                    image = urljoin(path, url)
                    assert HASHED_NAME.search(image) and leader.get(image).status == 200, image
    assert leader.get("/static/js/not-a-file.js").status == 404
    assert leader.get("/static/css/app.0123456789ab.css").status == 404

    # whitenoise writes and serves brotli only when the brotli package is installed: a dependency.
    stylesheet = next(path for path in sorted(static) if path.endswith(".css"))
    collected = Path(server.env["STATIC_ROOT"]) / stylesheet.removeprefix("/static/")
    assert collected.with_name(collected.name + ".br").is_file(), f"no {collected.name}.br"
    brotli = leader.get(stylesheet, **{"Accept-Encoding": "br"})
    assert brotli.status == 200 and brotli.getheader("Content-Encoding") == "br"
    assert brotli.body == collected.with_name(collected.name + ".br").read_bytes()
    plain = leader.get(stylesheet, **{"Accept-Encoding": "identity"})
    assert plain.getheader("Content-Encoding") is None and plain.body == collected.read_bytes()


def test_it_vendors_no_source_map_reference_it_does_not_ship():
    """The manifest storage follows these comments; a missing target fails collectstatic."""
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in (".js", ".css"):
            for target in re.findall(r"[#@] source(?:Mapping)?URL=(\S+)", path.read_text()):
                assert (path.parent / target).exists(), f"{path.relative_to(ROOT)} points at {target}"
