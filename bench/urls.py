"""The app's URLs plus one trivial view, served only by the sync bench's gunicorn (bench.web)."""

from django.http import HttpResponse
from django.urls import include, path

from field.views import _api_user


def trivial(request):
    """Authenticate as the sync API does, then answer at once: the cost of Django, its middleware and auth."""
    # The reference must pay for what every sync request pays before its own work: the bearer
    # token lookup and the role check. Without it the comparison flatters the trivial view.
    _, denied = _api_user(request)
    if denied is not None:
        return denied
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial), path("", include("config.urls"))]
