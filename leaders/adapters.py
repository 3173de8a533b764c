from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings

from leaders.models import Invitation


class AccountAdapter(DefaultAccountAdapter):
    """Let people sign up from a valid invitation, or by themselves only while the party allows it."""

    def is_open_for_signup(self, request) -> bool:
        if settings.ACCOUNT_ALLOW_SIGNUPS:
            return True
        return Invitation.objects.pending().in_session(request.session) is not None


class MFAAdapter(DefaultMFAAdapter):
    """Keep privileged users from switching their only second factor off."""

    def can_delete_authenticator(self, authenticator) -> bool:
        return not authenticator.user.is_privileged
