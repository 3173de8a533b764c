"""Send privileged users to MFA set-up until they have it; end their session within 12 hours."""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# allauth's own flows (login, logout, MFA set-up, password reset) must stay reachable.
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz")
# When a privileged session ends, as a Unix time. The cookie cannot carry it: without "Remember me"
# it is a browser-session cookie, which a browser restoring its tabs may keep for weeks.
DEADLINE_KEY = "privileged_until"


def require_mfa(get_response):
    def middleware(request):
        user = request.user
        signed_in_before = user.is_authenticated
        if signed_in_before and user.is_privileged:
            if time.time() >= request.session.get(DEADLINE_KEY, float("inf")):
                logout(request)
            elif not request.path.startswith(EXEMPT_PREFIXES) and not user.has_totp():
                url = reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()})
                if request.headers.get("HX-Request"):
                    return HttpResponse(status=204, headers={"HX-Redirect": url})
                return redirect(url)
        response = get_response(request)
        # After the view, so that the request that signs someone in already gets a capped cookie.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_privileged:
            cap_privileged_session(request.session, fresh=not signed_in_before)
        return response

    return middleware


def cap_privileged_session(session, *, fresh: bool) -> None:
    """Fix when a privileged session ends, and keep a remembered cookie from outliving it."""
    max_age = settings.PRIVILEGED_SESSION_AGE
    if fresh or DEADLINE_KEY not in session:
        session[DEADLINE_KEY] = time.time() + max_age
    # "Remember me" (or no choice, as with force_login) asks for a lasting cookie: it lasts no longer
    # than the session. Without it the cookie stays a browser-session one and the deadline ends it.
    if not session.get_expire_at_browser_close() and session.get_expiry_age() > max_age:
        session.set_expiry(datetime.fromtimestamp(session[DEADLINE_KEY], tz=UTC))
