"""Writes about gatherings: plan, change or cancel one, invite neighbors, record answers; and the
field app's synced batch of calls and knocks, with the invitations and emails learned on them.

Seats: every write that can take or free a seat locks the gathering's row first, so two answers
at the same moment are counted one after the other and a freed seat goes to the first waiting.
"""

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from contacts.services import Attempt, Recorded, contact_record_many
from events.models import Gathering, Invitation, LearnedEmail, Mailing, StoppedAddress, new_link_salt
from events.speakers import SpeakerConflict, speaker_bookings_follow
from events.tasks import send_mailings_soon

# What a change notice is about: a guest must hear of a new time or place.
NOTICE_FIELDS = ("starts_at", "ends_at", "place", "address")
EDITABLE_FIELDS = (*NOTICE_FIELDS, "kind", "capacity", "notes", "accessibility")


def _locked(gathering_id: int) -> Gathering:
    return Gathering.objects.select_for_update().get(pk=gathering_id)


def _promote(gathering: Gathering) -> None:
    """Give free seats to the first yeses on the waitlist, in the order they said yes, and owe each an
    email that a seat opened (once per guest and time and place of the gathering)."""
    waiting = gathering.invitations.waitlisted()
    if gathering.capacity is not None:
        free = gathering.capacity - gathering.invitations.seated().count()
        if free <= 0:
            return
        waiting = waiting[:free]
    seated = Invitation.objects.filter(pk__in=list(waiting.values_list("pk", flat=True)))
    if seated.update(waitlisted_at=None):
        _mail(gathering, seated, Mailing.Kind.SEAT)


def _mail(gathering: Gathering, guests, kind: str) -> None:
    """Owe a mailing of this gathering's latest sequence to each of these guests who gave an email."""
    stopped = StoppedAddress.objects.filter(address=OuterRef("email"))
    Mailing.objects.bulk_create(
        [
            Mailing(invitation=guest, kind=kind, sequence=gathering.sequence)
            for guest in guests.exclude(email="").exclude(Exists(stopped))
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(send_mailings_soon)


def _answer(gathering: Gathering, invitation: Invitation, rsvp: str, *, now: datetime) -> None:
    """Set an answer on an invitation of a locked gathering: a yes takes a seat or waits for one."""
    if rsvp == Invitation.Rsvp.YES:
        if invitation.rsvp != Invitation.Rsvp.YES:
            left = gathering.capacity is None or gathering.invitations.seated().count() < gathering.capacity
            invitation.waitlisted_at = None if left else now
    else:
        invitation.waitlisted_at = None
    invitation.rsvp = rsvp


def gathering_create(*, host, gathering: Gathering) -> Gathering:
    """Save a new gathering the host planned."""
    gathering.host = host
    gathering.save()
    return gathering


def gathering_update(*, gathering: Gathering) -> Gathering:
    """Save the host's changes; a new time or place bumps the sequence and owes guests a notice.

    A capacity below the yeses already seated is refused: nobody who was told "see you there" is
    turned away by an edit. A larger capacity seats the first of the waitlist.
    """
    with transaction.atomic():
        current = _locked(gathering.pk)
        if gathering.capacity is not None and gathering.capacity < current.invitations.seated().count():
            raise ValidationError(
                {"capacity": f"{current.invitations.seated().count()} people already said yes: "
                             "the room must hold at least them."}
            )  # fmt: skip
        noticed = any(getattr(current, name) != getattr(gathering, name) for name in NOTICE_FIELDS)
        gathering.sequence = current.sequence + 1 if noticed else current.sequence
        # Only what the host edits: a cancellation saved meanwhile stays.
        gathering.save(update_fields=[*EDITABLE_FIELDS, "sequence"])
        if noticed:
            try:
                speaker_bookings_follow(gathering=gathering)
            except SpeakerConflict as conflict:  # the whole edit rolls back with the booking's move
                raise ValidationError(
                    f"The new time clashes with the speaker's other booking: {conflict}"
                ) from None
        _promote(gathering)
        if noticed:
            _mail(gathering, gathering.invitations.expected(), Mailing.Kind.CHANGE)
    return gathering


def gathering_cancel(*, gathering: Gathering) -> Gathering:
    """Call a gathering off: it keeps its invitations, and every guest expected gets a cancellation."""
    with transaction.atomic():
        gathering = _locked(gathering.pk)
        if gathering.cancelled_at is None:
            gathering.cancelled_at = timezone.now()
            gathering.sequence += 1
            gathering.save(update_fields=["cancelled_at", "sequence"])
            speaker_bookings_follow(gathering=gathering)
            _mail(gathering, gathering.invitations.expected(), Mailing.Kind.CANCEL)
    return gathering


def invitations_create(*, gathering: Gathering, voter_ids: Iterable[int], invited_by) -> int:
    """Invite voters who are not invited yet (the caller checked they are the host's); return how many."""
    voter_ids = set(voter_ids)
    voter_ids -= set(gathering.invitations.filter(voter_id__in=voter_ids).values_list("voter_id", flat=True))
    Invitation.objects.bulk_create(
        [Invitation(gathering=gathering, voter_id=voter_id, invited_by=invited_by) for voter_id in voter_ids],
        ignore_conflicts=True,
    )
    return len(voter_ids)


def invitation_new_link(*, invitation: Invitation) -> Invitation:
    """Replace an invitee's private link: every link given out before stops working."""
    invitation.link_salt = new_link_salt()
    invitation.save(update_fields=["link_salt"])
    return invitation


def invitation_answer(*, invitation: Invitation, rsvp: str, email: str = "", phone: str = "") -> Invitation:
    """Record the invitee's own answer from their link, with where to remind them."""
    now = timezone.now()
    with transaction.atomic():
        gathering = _locked(invitation.gathering_id)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _answer(gathering, invitation, rsvp, now=now)
        invitation.answered_at = now
        invitation.email, invitation.phone = email.strip().lower(), phone.strip()
        invitation.save(update_fields=["rsvp", "waitlisted_at", "answered_at", "email", "phone"])
        _promote(gathering)
    return invitation


@dataclass(frozen=True)
class FieldAttempt:
    """An attempt as the field app sends it: the contact itself, an invitation, emails learned."""

    attempt: Attempt
    gathering_id: int | None = None
    rsvp: str = ""
    emails: Sequence[tuple[int, str]] = ()


NOT_INVITED = "Saved the call, not the invitation: that gathering was cancelled or is over."


def _invite(
    *, user, gathering_id: int, voter_id: int, rsvp: str, attempt_id: int, answered_at: datetime, email: str
) -> bool:
    """Invite a voter, or change their answer; an answer given earlier never replaces a later one.

    An email the neighbor gave on the same call is where their reminders go, unless they gave one
    through their own link. Return False when the gathering was cancelled or is over: a phone that
    kept the call screen offline may still offer it, but nobody is invited to it.
    """
    gathering = _locked(gathering_id)
    if gathering.is_cancelled or gathering.is_over:
        return False
    invitation = (
        Invitation.objects.select_for_update().filter(gathering_id=gathering_id, voter_id=voter_id).first()
    )
    if invitation is None:
        invitation = Invitation(gathering_id=gathering_id, voter_id=voter_id, invited_by=user)
    elif invitation.answered_at is not None and invitation.answered_at >= answered_at:
        return True
    _answer(gathering, invitation, rsvp, now=timezone.now())
    invitation.attempt_id, invitation.answered_at = attempt_id, answered_at
    invitation.email = invitation.email or email.lower()
    invitation.save()
    _promote(gathering)
    return True


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
        for index, (item, outcome) in enumerate(zip(items, outcomes, strict=True)):
            if not outcome.created:
                continue
            if item.gathering_id and not _invite(
                user=user,
                gathering_id=item.gathering_id,
                voter_id=item.attempt.voter_id,
                rsvp=item.rsvp,
                attempt_id=outcome.attempt_id,
                answered_at=item.attempt.device_time,
                email=next(
                    (address for voter_id, address in item.emails if voter_id == item.attempt.voter_id),
                    "",
                ),
            ):
                outcomes[index] = replace(outcome, error=NOT_INVITED)
            emails += [
                LearnedEmail(voter_id=voter_id, address=address, leader=user, attempt_id=outcome.attempt_id)
                for voter_id, address in item.emails
            ]
        if emails:
            LearnedEmail.objects.bulk_create(emails, ignore_conflicts=True)
    return outcomes
