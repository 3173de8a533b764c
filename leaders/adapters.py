import functools
import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.cache import cache

from leaders.models import Invitation


class LoginThrottle:
    """Throttle password guessing per account and address, so a stranger cannot lock the owner out.

    allauth counts failures per account alone: a few wrong passwords from anywhere kept the owner out.
    Here ACCOUNT_RATE_LIMITS["login_failed"] counts them per account and client address, and
    ["login_failed_account"] is a looser ceiling per account for a guesser spread over many addresses,
    which the owner skips at an address where they have given the right password before.
    """

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        return f"{self._account_key(request, **credentials)}:{ratelimit.get_ip(request)}"

    def _account_key(self, request, **credentials) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def _known_address_key(self, request, **credentials) -> str:
        digest = hashlib.sha256(
            self._get_login_attempts_cache_key(request, **credentials).encode()
        ).hexdigest()
        return f"nl:login-known-address:{digest}"

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        if cache.get(self._known_address_key(request, **credentials)):
            return
        ceiling = ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed_account",
            key=self._account_key(request, **credentials),
        )
        if not ceiling:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        # A successful login takes back its own count, from both limits.
        self._login_failed_rl_usage.usage.extend(ceiling.usage)

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            cache.set(self._known_address_key(request, **credentials), True, KNOWN_ADDRESS_SECONDS)
        return user

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        # A password reset proves the owner: let them in again from any address.
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app="allauth.account",
            action="login_failed_account",
            key=self._account_key(request, **credentials),
        )


# How long an address where the owner signed in stays exempt from the per-account ceiling.
KNOWN_ADDRESS_SECONDS = 90 * 24 * 3600


class AccountAdapter(LoginThrottle, DefaultAccountAdapter):
    """Let people sign up from a valid invitation, or by themselves only while the party allows it."""

    def is_open_for_signup(self, request) -> bool:
        if settings.ACCOUNT_ALLOW_SIGNUPS:
            return True
        return Invitation.objects.pending().in_session(request.session) is not None


class MFAAdapter(DefaultMFAAdapter):
    """Keep privileged users from switching their only second factor off; encrypt its secrets."""

    def can_delete_authenticator(self, authenticator) -> bool:
        return not authenticator.user.is_privileged

    def encrypt(self, text: str) -> str:
        return mfa_cipher().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        # No clear-text fallback: whoever can write the table must not be able to plant a secret they know.
        return mfa_cipher().decrypt(encrypted_text.encode()).decode()


def mfa_cipher() -> MultiFernet:
    """Return the cipher for second-factor secrets: the current key encrypts, any listed key decrypts."""
    return _cipher(settings.MFA_ENCRYPTION_KEY, *settings.MFA_ENCRYPTION_KEY_FALLBACKS)


@functools.cache
def _cipher(*keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])
