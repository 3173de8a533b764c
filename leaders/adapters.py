import functools

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Let people sign up only while the party allows it (invitations come later)."""

    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_ALLOW_SIGNUPS


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
