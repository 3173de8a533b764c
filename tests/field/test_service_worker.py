"""The service worker is served from the root, so it may keep every leader page."""

import gzip
import json
import re

from django.urls import reverse


def test_it_serves_the_worker_with_root_scope_and_the_assets_to_keep(client):
    response = client.get(reverse("field:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert "/static/js/outbox-1.js" in response.text and "/static/css/field.css" in response.text


def test_its_version_follows_the_asset_urls(client, settings):
    first = client.get(reverse("field:service_worker")).text
    settings.STATIC_URL = "/assets/"
    second = client.get(reverse("field:service_worker")).text
    assert first.split("VERSION = ")[1][:16] != second.split("VERSION = ")[1][:16]


def test_it_keeps_the_doors_first_then_the_calls_then_the_rest(client):
    script = gzip.decompress(client.get(reverse("field:service_worker"), HTTP_ACCEPT_ENCODING="gzip").content)
    bundles = re.search(r"const BUNDLES = (\[.*?\]);", script.decode()).group(1)
    assert json.loads(bundles) == [
        reverse("field:offline_bundle", args=[part]) for part in ("doors", "calls", "more")
    ]
