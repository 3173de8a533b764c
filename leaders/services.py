"""Invitations: staff, coordinators and the ask invite a person by email; the link opens sign-up once."""

import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from leaders import pipeline
from leaders.models import Invitation, LeaderProfile, User

Stage = LeaderProfile.Stage
Origin = LeaderProfile.Origin

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
    """Add the person as a prospect recruited by the sender and email them a single-use sign-up link."""
    if User.objects.filter(email__iexact=email.strip()).exists():
        raise InvitationError("Someone with that email already has an account.")
    try:
        profile = pipeline.add_prospect(
            first_name=first_name, last_name=last_name, email=email, county=county, recruiter=invited_by,
            origin=Origin.RECRUITER_LINK if invited_by.is_leader else Origin.STAFF_INVITE, by=invited_by,
        )  # fmt: skip
    except pipeline.PipelineError as error:
        raise InvitationError(str(error)) from error
    return invite_prospect(profile=profile, by=invited_by, site_url=site_url)


@transaction.atomic
def invite_prospect(*, profile: LeaderProfile, by: User, site_url: str) -> Invitation:
    """Email a prospect a new single-use sign-up link; any link sent to them before stops working.

    The gatherings' "yes" at the ask and the resend button both come here. `site_url` is where the
    app is served ("https://…/"), for the link in the email.
    """
    profile = LeaderProfile.objects.select_for_update().get(pk=profile.pk)
    if not profile.invitable:
        raise InvitationError(f"{profile} cannot be invited: they need an email and no account yet.")
    if User.objects.filter(email__iexact=profile.email).exists():
        raise InvitationError("Someone with that email already has an account.")
    now = timezone.now()
    profile.invitations.filter(accepted_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        first_name=profile.first_name,
        last_name=profile.last_name,
        email=profile.email,
        county=profile.county,
        invited_by=by,
        profile=profile,
        token_hash=Invitation.hash_token(token),
        expires_at=now + Invitation.lifetime(),
    )
    context = {
        "invitation": invitation,
        "link": site_url.rstrip("/") + reverse("leaders:join", args=[token]),
        "site_name": settings.SITE_NAME,
    }
    # The inviter's name is typed text: one plain line, or the mail header refuses it.
    subject = " ".join(render_to_string("leaders/email/invitation_subject.txt", context).split())
    body = render_to_string("leaders/email/invitation_message.txt", context)
    try:
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [profile.email])
    except OSError as error:
        # Rolled back with the invitation: nobody holds a link to it, and the older link still works.
        logger.warning("Could not send an invitation to %s: %s", profile.email, error)
        raise InvitationError("The email could not be sent: try again in a few minutes.") from error
    pipeline.record_stage(profile, Stage.INVITED, by=by, reason="sign-up link emailed")
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """Return the invitation a link carries, or say plainly why the link cannot be used."""
    invitation = Invitation.objects.filter(token_hash=Invitation.hash_token(token)).first()
    if invitation is None:
        raise InvitationError("This sign-up link is not valid. Check that you copied all of it.", status=404)
    if invitation.is_used:
        raise InvitationError("This sign-up link has been used already: sign in instead.", status=410)
    if invitation.is_expired or invitation.is_revoked:
        raise InvitationError(
            "This sign-up link has expired: ask whoever invited you for a new one.", status=410
        )
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> bool:
    """Stop a sign-up link working before it expires; return whether this call revoked it.

    The row keeps who revoked it and when. A link someone signed up with stays as it is.
    """
    # A conditional update: a sign-up racing the revocation either used the link first or finds it dead.
    revoked = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), revoked_by=by)
    if not revoked and Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=False).exists():
        raise InvitationError(
            f"{invitation.first_name} signed up with this link already: it cannot be revoked."
        )
    if revoked:
        logger.info("Invitation %s for %s revoked by %s", invitation.pk, invitation.email, by.pk)
    return bool(revoked)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> User:
    """Use up an invitation for the account just created from it; the pipeline records who recruited them."""
    # A conditional update: of two sign-ups racing on one link, only one account survives.
    used = (
        Invitation.objects.pending().filter(pk=invitation.pk).update(accepted_at=timezone.now(), account=user)
    )
    if not used:
        raise InvitationError("This sign-up link has been used already or has expired.", status=410)
    pipeline.leader_signed_up(user=user, invitation=invitation)
    # The link reached this address: that is the confirmation allauth would otherwise email.
    EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
    return user
