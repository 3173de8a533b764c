"""Send privileged users to MFA set-up until they have it; cap their session at 12 hours."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

# allauth's own flows (login, logout, MFA set-up, password reset) must stay reachable.
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz")


def require_mfa(get_response):
    def middleware(request):
        user = request.user
        if user.is_authenticated and user.is_privileged:
            max_age = settings.PRIVILEGED_SESSION_AGE
            if request.session.get_expiry_age() > max_age:
                request.session.set_expiry(timezone.now() + timedelta(seconds=max_age))
            if not request.path.startswith(EXEMPT_PREFIXES) and not user.has_totp():
                url = reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()})
                if request.headers.get("HX-Request"):
                    return HttpResponse(status=204, headers={"HX-Redirect": url})
                return redirect(url)
        return get_response(request)

    return middleware
