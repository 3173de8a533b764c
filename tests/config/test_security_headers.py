"""Headers every HTML response carries; the role × route walk checks them on every page."""

from django.urls import reverse


def test_it_sends_a_csp_with_a_fresh_nonce_for_our_scripts(client, db):
    first = client.get(reverse("home"))
    second = client.get(reverse("home"))
    csp = first["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert csp != second["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in first.text


def test_it_sends_hsts_over_https_in_production(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_it_loads_nothing_from_another_origin(client, db):
    html = client.get(reverse("home")).text
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
