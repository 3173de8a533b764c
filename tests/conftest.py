"""The fixed cast every test uses, built by plain make_* functions.

alice leads turf in Nodaway; bob is a leader elsewhere (Jackson); carol coordinates Nodaway;
dave coordinates another county (Boone); sam is state staff; cathy is a candidate.
Privileged people have TOTP enrolled unless a test says otherwise.
"""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from django.test import Client

from leaders.models import User

PASSWORD = "correct horse battery staple"


def make_user(
    email: str,
    *,
    role: str = User.Role.LEADER,
    counties: list[str] | None = None,
    mfa: bool = True,
    first_name: str = "",
) -> User:
    user = User.objects.create_user(
        email,
        PASSWORD,
        role=role,
        counties=counties or [],
        first_name=first_name or email.split("@")[0].title(),
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if mfa and user.is_privileged:
        TOTP.activate(user, generate_totp_secret())
    return user


def totp_code_for(secret: str, steps_ago: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ago` periods back) for this secret.

    The server accepts only the current period's code, so a code is never handed out in the last
    seconds of its period: a test that types it would otherwise fail when the period rolls over.
    """
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.05)
    counter = int(time.time()) // period - steps_ago
    return f"{hotp_value(secret, counter):06d}"


TOTP_MARGIN_SECONDS = 5


def totp_code(user: User, steps_ago: int = 0) -> str:
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    return totp_code_for(get_mfa_adapter().decrypt(stored), steps_ago)


def make_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def alice(db):
    return make_user("alice@example.org")


@pytest.fixture
def bob(db):
    return make_user("bob@example.org")


@pytest.fixture
def carol(db):
    return make_user("carol@example.org", role=User.Role.COORDINATOR, counties=["Nodaway"])


@pytest.fixture
def dave(db):
    return make_user("dave@example.org", role=User.Role.COORDINATOR, counties=["Boone"])


@pytest.fixture
def sam(db):
    return make_user("sam@example.org", role=User.Role.STAFF)


@pytest.fixture
def cathy(db):
    return make_user("cathy@example.org", role=User.Role.CANDIDATE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply; production keeps Django's default hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sync_rate_limit_out_of_the_way(settings):
    """Let tests that replay thousands of batches from one token do so; the rate-limit test lowers it."""
    settings.SYNC_RATE_LIMIT_PER_MINUTE = 1_000_000


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    """Serve static files without collectstatic's manifest, which only a deploy builds."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _imports_in_a_temporary_directory(settings, tmp_path_factory):
    """Keep uploads and import reports of each test out of the checkout's var/ directory."""
    settings.IMPORT_DIR = tmp_path_factory.mktemp("imports")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SYSTEM_CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Chromium driven by Playwright: the system one when present, else Playwright's own."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Let tests see and route a service worker's own requests: set_offline() alone leaves them online.
    os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
    executable = SYSTEM_CHROMIUM if os.path.exists(SYSTEM_CHROMIUM) else None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized browser tab (a cheap Android phone: 360 × 740)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    wait_for_the_server_to_finish_its_requests()


def wait_for_the_server_to_finish_its_requests(timeout: float = 10.0) -> None:
    """Wait until no other connection to the test database has worked for a second, a quarter-second in a row.

    Closing the tab does not stop a request the live server is still answering (a sync, a poll).
    If the test database is flushed under it, the two lock each other and PostgreSQL kills the flush.
    A connection idle for longer is not a request's: it is an earlier test's, left open and harmless.
    """
    from django.db import connection

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


def make_turf(leader: User, *, cycle, calls=(), doors=()):
    """Give a leader turf in a cycle with these voters on their call list and door list."""
    from tests.turf.conftest import make_household, make_voter
    from turf.models import Entry, Turf

    if leader.voter_id is None:
        # Turf is cut from a leader's home, and the coordinator of that home's county looks after it.
        leader.voter = make_voter(
            make_household(None), first=leader.first_name, last="Leader", declared="Democratic"
        )
        leader.save(update_fields=["voter"])
    county = leader.voter.county
    turf, _ = Turf.objects.get_or_create(cycle=cycle, leader=leader, defaults={"county": county})
    for list_name, voters in ((Entry.List.CALL, calls), (Entry.List.DOOR, doors)):
        for distance, voter in enumerate(voters):
            Entry.objects.create(
                turf=turf,
                cycle=cycle,
                voter=voter,
                household=voter.household,
                list=list_name,
                distance_m=distance * 50.0,
            )
    return turf


def sign_in_browser(page, user: User, base_url: str) -> None:
    """Give the browser tab a signed-in session for this user, without the login form."""
    session = make_client(user).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])


@pytest.fixture
def dead_broker():
    """Point Celery at a port nothing listens on, with tasks really queued (not run in place)."""
    from config.celery import app

    def forget_connections() -> None:
        # Celery keeps its broker connections: drop them, so the next publish uses the URL set now.
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "redis://127.0.0.1:9/0"
    forget_connections()
    yield
    app.conf.task_always_eager, app.conf.broker_url = saved
    forget_connections()
