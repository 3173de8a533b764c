"""View decorators shared by the apps: who may reach a page, by role, with a 404 for everyone else."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def only(allowed):
    """Let in the signed-in users `allowed` accepts; anyone else finds nothing here (404), as if it did not exist."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allowed(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_only = only(lambda user: user.is_state_staff)
