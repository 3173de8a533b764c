"""Settings of the gunicorn the sync bench starts: the app's own, with a URLconf that adds a trivial view."""

from config.settings import *  # noqa: F403 - the app's settings, unchanged but for the URLconf

ROOT_URLCONF = "bench.urls"
