"""Pages the field app's service worker keeps for use without a connection: their mark, and bundles of them."""

import copy
import functools
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from django.http import QueryDict
from django.urls import Resolver404, resolve


def offline_page(view):
    """Mark a signed-in person's page for the service worker to keep, so it opens without a connection."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # Only a page drawn for its reader: never a redirect, an error or a page for nobody in particular.
        if response.status_code == 200 and request.user.is_authenticated:
            response["X-Offline-Page"] = "1"
        return response

    return wrapped


def page_request(request, path: str):
    """A GET of `path` by `request`'s reader, to draw that page without a round trip."""
    page = copy.copy(request)
    page.method = "GET"
    page.path = page.path_info = path
    page.META = {**request.META, "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": ""}
    page.GET = QueryDict()
    page.POST = QueryDict()
    page.resolver_match = resolve(path)
    # A message waiting for the reader belongs on the next page they open, not on every kept copy.
    page._messages = []
    return page


def _get(request, path: str, views: Mapping[str, Callable]):
    page = page_request(request, path)
    if path in views:
        response = views[path](page)
    else:
        match = page.resolver_match
        response = match.func(page, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    return response


def render_pages(
    request, paths: list[str], views: Mapping[str, Callable] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Render each page as `request`'s reader sees it: ({path: html}, {path: path it redirects to}).

    One request then carries a whole list's screens to a phone, compressed together, instead of a
    request per screen: on a rural connection each round trip costs more than the bytes do. A page
    that redirects to another of ours (a leader's "My lists" to their turf) is kept under both paths;
    one that answers anything but 200 is left out. `views` may draw some paths instead of their
    URL's view, from what the caller has already loaded for all of them (a list's screens).
    """
    views = views or {}
    pages: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for path in dict.fromkeys(paths):
        response = _get(request, path, views)
        if response.status_code in (301, 302):
            target = urlsplit(response["Location"])
            if target.netloc or target.query:
                continue
            try:
                response = _get(request, target.path, views)
            except Resolver404:
                continue
            aliases[path] = target.path
            path = target.path
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages[path] = response.content.decode(response.charset)
    # An alias whose page was left out would point at nothing.
    return pages, {alias: target for alias, target in aliases.items() if target in pages}
