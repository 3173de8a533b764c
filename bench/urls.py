"""The app's URLs plus one trivial view, served only by the sync bench's gunicorn (bench.web)."""

from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    """Answer at once: the cost of Django and its middleware alone."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial), path("", include("config.urls"))]
