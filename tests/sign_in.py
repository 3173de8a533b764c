"""Signing the cast in as a person would: the code their authenticator shows, a browser's session."""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value

from leaders.models import User
from tests.cast import make_client

TOTP_MARGIN_SECONDS = 5


def totp_code_for(secret: str, steps_ago: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ago` periods back) for this secret.

    The server accepts only the current period's code, so a code is never handed out in the last
    seconds of its period: a test that types it would otherwise fail when the period rolls over.
    """
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.05)
    counter = int(time.time()) // period - steps_ago
    return f"{hotp_value(secret, counter):06d}"


def totp_code(user: User, steps_ago: int = 0) -> str:
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    return totp_code_for(get_mfa_adapter().decrypt(stored), steps_ago)


def sign_in_browser(page, user: User, base_url: str) -> None:
    """Give the browser tab a signed-in session for this user, without the login form."""
    session = make_client(user).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])
