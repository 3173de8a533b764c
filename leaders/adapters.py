from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Let people sign up only while the party allows it (invitations come later)."""

    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_ALLOW_SIGNUPS


class MFAAdapter(DefaultMFAAdapter):
    """Keep privileged users from switching their only second factor off."""

    def can_delete_authenticator(self, authenticator) -> bool:
        return not authenticator.user.is_privileged
