"""Fixtures for the cast of tests/cast.py, and the settings every test runs with."""

import os

import pytest

from tests.axe import AxeWatch
from tests.cast import make_alice, make_bob, make_carol, make_cathy, make_dave, make_lists, make_sam
from tests.live_server import wait_for_the_server_to_finish_its_requests


@pytest.fixture
def alice(db):
    return make_alice()


@pytest.fixture
def bob(db):
    return make_bob()


@pytest.fixture
def carol(db):
    return make_carol()


@pytest.fixture
def dave(db):
    return make_dave()


@pytest.fixture
def sam(db):
    return make_sam()


@pytest.fixture
def cathy(db):
    return make_cathy()


@pytest.fixture
def lists(alice, bob):
    """Alice's lists in Nodaway and Bob's elsewhere, as the field app's tests walk them."""
    return make_lists(alice, bob)


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
def import_dir(settings, tmp_path_factory):
    """Keep uploads and import reports of each test out of the checkout's var/ directory."""
    settings.IMPORT_DIR = tmp_path_factory.mktemp("imports")
    return settings.IMPORT_DIR


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


def _open_tab(browser, live_server, tabs: list):
    """Open a phone-sized tab (a cheap Android phone: 360 × 740) in its own context, watched by axe-core."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
    watch = AxeWatch(context)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.axe = watch  # a test checks the page as it is now with page.axe.check(page)
    tabs.append((tab, watch))
    return tab


def _close_tabs(tabs: list) -> None:
    """Close the tabs, after failing on any axe violation they saw."""
    try:
        for tab, watch in tabs:
            if not tab.is_closed():
                watch.check(tab)
            watch.assert_clean()
    finally:
        for tab, _ in tabs:
            tab.context.close()
        wait_for_the_server_to_finish_its_requests()


@pytest.fixture
def new_tab(browser, live_server):
    """Open more tabs, each a separate browser (another person's phone), checked by axe-core like `page`."""
    tabs = []
    yield lambda: _open_tab(browser, live_server, tabs)
    _close_tabs(tabs)


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized browser tab (a cheap Android phone: 360 × 740) that runs axe-core on each page.

    Any accessibility violation on a page the test opened fails the test when the tab is closed.
    """
    tabs = []
    yield _open_tab(browser, live_server, tabs)
    _close_tabs(tabs)


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


@pytest.fixture(autouse=True)
def _no_cache_left_behind(request):
    """The cache is a table the flush after a transactional test leaves alone: empty it, so no later
    test reads a value an earlier one's data produced."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _server_cut(request):
    """Let a browser test cut the live server off as well as the phone (see tests.live_server.ServerCut)."""
    from tests.live_server import ServerCut

    if "live_server" in request.fixturenames:
        ServerCut.install(request.getfixturevalue("live_server"))
    yield
    ServerCut.on = False
