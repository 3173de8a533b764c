"""Writes of the field app: a synced batch of calls and knocks, with invitations and emails learned."""

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from contacts.services import Attempt, Recorded, contact_record_many
from events.models import Invitation, LearnedEmail


@dataclass(frozen=True)
class FieldAttempt:
    """An attempt as the field app sends it: the contact itself, an invitation, emails learned."""

    attempt: Attempt
    gathering_id: int | None = None
    rsvp: str = ""
    emails: Sequence[tuple[int, str]] = ()


def _invite(
    *, user, gathering_id: int, voter_id: int, rsvp: str, attempt_id: int, answered_at: datetime
) -> None:
    """Invite a voter, or change their answer; an answer given earlier never replaces a later one."""
    invitation = (
        Invitation.objects.select_for_update().filter(gathering_id=gathering_id, voter_id=voter_id).first()
    )
    if invitation is None:
        Invitation.objects.create(
            gathering_id=gathering_id,
            voter_id=voter_id,
            invited_by=user,
            rsvp=rsvp,
            attempt_id=attempt_id,
            answered_at=answered_at,
        )
    elif invitation.answered_at is None or invitation.answered_at < answered_at:
        invitation.rsvp, invitation.attempt_id, invitation.answered_at = rsvp, attempt_id, answered_at
        invitation.save(update_fields=["rsvp", "attempt", "answered_at"])


def field_record(*, user, items: Sequence[FieldAttempt]) -> list[Recorded]:
    """Record a batch of field attempts by one user, in one transaction; return one outcome each.

    Only newly created attempts invite or store emails, so a replayed batch changes nothing. The
    caller has checked that every voter, household, phone and gathering is in the user's scope.
    """
    # Invitations and emails are written after the attempts, in the same transaction; without them,
    # contact_record_many decides whether it needs one.
    needs_transaction = any(item.gathering_id or item.emails for item in items)
    with transaction.atomic() if needs_transaction else nullcontext():
        outcomes = contact_record_many(leader=user, attempts=[item.attempt for item in items])
        emails = []
        for item, outcome in zip(items, outcomes, strict=True):
            if not outcome.created:
                continue
            if item.gathering_id:
                _invite(
                    user=user,
                    gathering_id=item.gathering_id,
                    voter_id=item.attempt.voter_id,
                    rsvp=item.rsvp,
                    attempt_id=outcome.attempt_id,
                    answered_at=item.attempt.device_time,
                )
            emails += [
                LearnedEmail(voter_id=voter_id, address=address, leader=user, attempt_id=outcome.attempt_id)
                for voter_id, address in item.emails
            ]
        if emails:
            LearnedEmail.objects.bulk_create(emails, ignore_conflicts=True)
    return outcomes
