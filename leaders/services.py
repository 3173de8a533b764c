"""Invitations: staff and coordinators invite a person by email; the link opens sign-up once."""

import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from leaders.models import Invitation, User

logger = logging.getLogger(__name__)


class InvitationError(Exception):
    """An invitation that cannot be sent or used; the message says why, for the person in front of it."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


@transaction.atomic
def invitation_send(
    *, invited_by: User, first_name: str, last_name: str, email: str, county: str, site_url: str
) -> Invitation:
    """Create a single-use, expiring sign-up link for one person and email it to them."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvitationError("Someone with that email already has an account.")
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        county=county,
        invited_by=invited_by,
        token_hash=Invitation.hash_token(token),
        expires_at=timezone.now() + Invitation.lifetime(),
    )
    context = {
        "invitation": invitation,
        "link": site_url.rstrip("/") + reverse("leaders:join", args=[token]),
        "site_name": settings.SITE_NAME,
    }
    subject = render_to_string("leaders/email/invitation_subject.txt", context).strip()
    body = render_to_string("leaders/email/invitation_message.txt", context)
    try:
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [email])
    except OSError as error:
        # Rolled back with the invitation: nobody holds a link to it.
        logger.warning("Could not send an invitation to %s: %s", email, error)
        raise InvitationError("The email could not be sent: try again in a few minutes.") from error
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """Return the invitation a link carries, or say plainly why the link cannot be used."""
    invitation = Invitation.objects.filter(token_hash=Invitation.hash_token(token)).first()
    if invitation is None:
        raise InvitationError("This sign-up link is not valid. Check that you copied all of it.", status=404)
    if invitation.is_used:
        raise InvitationError("This sign-up link has been used already: sign in instead.", status=410)
    if invitation.is_expired:
        raise InvitationError(
            "This sign-up link has expired: ask whoever invited you for a new one.", status=410
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> User:
    """Use up an invitation for the account just created from it, and record who invited them."""
    # A conditional update: of two sign-ups racing on one link, only one account survives.
    used = (
        Invitation.objects.pending().filter(pk=invitation.pk).update(accepted_at=timezone.now(), account=user)
    )
    if not used:
        raise InvitationError("This sign-up link has been used already or has expired.", status=410)
    user.invited_by_id = invitation.invited_by_id
    user.save(update_fields=["invited_by"])
    # The link reached this address: that is the confirmation allauth would otherwise email.
    EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
    return user
