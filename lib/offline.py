"""The mark a page carries when the field app's service worker may keep it for use without a connection."""

import functools


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
