"""At the door: the host checks invitees and walk-ins in and records the ask, exactly once per client UUID.

A walk-in is matched to the voter file when one registered voter clearly matches what they told
the host (their name, and their house number and street, ZIP or phone); otherwise they stay a
guest known only by that. Only staff and coordinators see which: the host's answer and page are
the same either way, so the walk-in form is no way to ask whether someone is registered; a host no
one approved yet gets no match at all. The first check-in marks the gathering held (and its host's
pipeline stage); a yes at the ask becomes a prospect recruited by the host, from this gathering.
"""

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from contacts.models import Voter
from contacts.services import Recorded
from events.models import Attendee, Gathering, Invitation
from leaders import pipeline
from leaders.models import User
from leaders.services import InvitationError, invite_prospect

log = logging.getLogger(__name__)

_HOUSE_AND_STREET = re.compile(r"^\s*(\d+)\s*[A-Za-z]?\s+(.*[A-Za-z]{2,}.*)$")


def usable_address(text: str) -> bool:
    """Return whether an address names a door: a house number and a street, or a rural route and box."""
    return bool(_HOUSE_AND_STREET.match(text) or re.search(r"\b(RR|HC|BOX)\b.*\d", text.upper()))


@dataclass(frozen=True)
class CheckIn:
    """An invitee arrived."""

    uuid: uuid.UUID
    gathering_id: int
    invitation_id: int
    device_time: datetime


@dataclass(frozen=True)
class WalkIn:
    """Someone arrived who was not invited: a name, and an address or a phone (already checked usable)."""

    uuid: uuid.UUID
    gathering_id: int
    name: str
    device_time: datetime
    address: str = ""
    zip_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Ask:
    """An attendee's answer to "will you become a neighborhood leader?"; attendee is their check-in's UUID."""

    uuid: uuid.UUID
    attendee: uuid.UUID
    answer: str
    device_time: datetime
    email: str = ""  # given with a yes, for the sign-up link


DoorItem = CheckIn | WalkIn | Ask


class DoorError(Exception):
    """An item the door refuses, with a sentence for the host."""


def match_walk_in(*, name: str, address: str = "", zip_code: str = "", phone: str = "") -> Voter | None:
    """Return the one registered voter whose name and address, ZIP or phone match, else None."""
    words = name.split()
    if len(words) < 2:
        return None
    by_name = Voter.objects.registered().filter(first_name__iexact=words[0], last_name__iexact=words[-1])
    details = Q()
    if phone:
        details |= Q(phones__number=phone)
    if zip_code:
        details |= Q(household__zip_code__startswith=zip_code)
    house = _HOUSE_AND_STREET.match(address)
    if house:
        details |= Q(household__house_number=int(house.group(1)))
    if not details:
        return None
    candidates = list(by_name.filter(details).select_related("household").distinct()[:10])
    matches = [
        voter for voter in candidates if _matches(voter, address=address, zip_code=zip_code, phone=phone)
    ]
    return matches[0] if len(matches) == 1 else None


def _matches(voter: Voter, *, address: str, zip_code: str, phone: str) -> bool:
    home = voter.household
    house = _HOUSE_AND_STREET.match(address)
    if house and home and home.house_number == int(house.group(1)) and home.is_on_street(house.group(2)):
        return True
    if zip_code and home and home.zip_code.startswith(zip_code):
        return True
    return bool(phone) and voter.phones.filter(number=phone).exists()


def _host_gathering(user, gathering_id: int, cache: dict[int, Gathering | None]) -> Gathering:
    if gathering_id not in cache:
        cache[gathering_id] = Gathering.objects.visible_to(user).filter(pk=gathering_id, host=user).first()
    gathering = cache[gathering_id]
    if gathering is None:
        raise DoorError("No such gathering of yours.")
    if gathering.is_cancelled:
        raise DoorError("This gathering was cancelled: nobody can be checked in.")
    return gathering


def _mark_held(gathering: Gathering, moment: datetime) -> None:
    """The first check-in marks the gathering held, and moves its host on in the leader pipeline."""
    if Gathering.objects.filter(pk=gathering.pk, held_at__isnull=True).update(held_at=moment):
        pipeline.gathering_held(gathering.host)


def _yes_becomes_prospect(attendee: Attendee, *, email: str, by) -> None:
    """A yes at the ask: a prospect recruited by the host, from this gathering, emailed a sign-up link.

    The email is the one given with the yes, else the one the invitee gave for a reminder. Without
    one, or when no one has approved the host yet (else anyone who signs up could have the party
    email links under their name to any address), the prospect waits on the prospects list for
    staff or the coordinator to reach them.
    """
    gathering = attendee.gathering
    voter = attendee.voter
    first, _, last = (attendee.name or (voter.display_name if voter else "")).strip().partition(" ")
    invitation = attendee.invitation
    email = email or (invitation.email if invitation else "")
    county = voter.county if voter else ""
    account = User.objects.filter(voter=voter).first() if voter else None
    if account is not None:  # a leader already: their own profile, recruiter unchanged
        if account.is_leader:  # staff, a coordinator or a candidate is in no leader's pipeline
            Attendee.objects.filter(pk=attendee.pk).update(prospect=pipeline.profile_for(account))
        return
    try:
        profile = pipeline.add_prospect(
            first_name=first or "Guest", last_name=last, email=email, phone=attendee.phone, county=county,
            recruiter=gathering.host, origin=pipeline.Origin.GATHERING, by=by,
        )  # fmt: skip
    except pipeline.PipelineError as error:
        raise DoorError(str(error)) from None
    Attendee.objects.filter(pk=attendee.pk).update(prospect=profile)
    if profile.invitable and gathering.host.home_is_verified:
        transaction.on_commit(lambda: _invite(profile, gathering.host))


def _invite(profile, host) -> None:
    try:
        invite_prospect(profile=profile, by=host, site_url=settings.SITE_URL + "/")
    except (InvitationError, SMTPException, OSError):
        log.exception("The sign-up link for prospect %s was not sent", profile.pk)


def _arrive(*, user, gathering: Gathering, item: CheckIn | WalkIn, **fields) -> str:
    """Insert the attendee unless its UUID (or the same voter) is already in; return the status."""
    if Attendee.objects.filter(client_uuid=item.uuid).exists():
        return Recorded.DUPLICATE
    voter_id = fields.get("voter_id")
    if voter_id and Attendee.objects.filter(gathering=gathering, voter_id=voter_id).exists():
        return Recorded.DUPLICATE  # checked in already, from another phone or as a walk-in
    try:
        with transaction.atomic():
            Attendee.objects.create(
                gathering=gathering,
                client_uuid=item.uuid,
                checked_in_at=item.device_time,
                checked_in_by=user,
                **fields,
            )
    except IntegrityError:
        return Recorded.DUPLICATE  # the same UUID or voter, inserted meanwhile by a concurrent request
    _mark_held(gathering, item.device_time)
    return Recorded.CREATED


def _check_in(*, user, item: CheckIn, gatherings) -> str:
    gathering = _host_gathering(user, item.gathering_id, gatherings)
    invitation = Invitation.objects.filter(pk=item.invitation_id, gathering=gathering).first()
    if invitation is None:
        raise DoorError("That person was not invited to this gathering.")
    return _arrive(
        user=user,
        gathering=gathering,
        item=item,
        origin=Attendee.Origin.INVITED,
        invitation=invitation,
        voter_id=invitation.voter_id,
    )


def _take_walk_in(gathering: Gathering, moment: datetime) -> None:
    """Refuse a walk-in tapped outside the gathering's hours or past its share; lock the gathering to count.

    The hours are the tap's (the device time, never later than the server's clock), since a phone
    that was offline at the door sends its walk-ins later; the share bounds what a host can type in.
    """
    margin = timedelta(hours=1)
    if not gathering.starts_at - margin <= moment <= gathering.ends_at + margin:
        raise DoorError("Walk-ins are added while the gathering is on.")
    Gathering.objects.select_for_update().filter(pk=gathering.pk).exists()
    limit = settings.DOOR_WALK_INS_PER_GATHERING
    if gathering.attendees.filter(origin=Attendee.Origin.WALK_IN).count() >= limit:
        raise DoorError(f"A gathering takes at most {limit} walk-ins: ask staff to add the others.")


def _walk_in(*, user, item: WalkIn, gatherings) -> str:
    gathering = _host_gathering(user, item.gathering_id, gatherings)
    _take_walk_in(gathering, item.device_time)
    voter = None
    if user.home_is_verified:  # nobody reaches the voter file before approval, even unseen (DESIGN §8)
        voter = match_walk_in(name=item.name, address=item.address, zip_code=item.zip_code, phone=item.phone)
    if voter is not None and Attendee.objects.filter(gathering=gathering, voter=voter).exists():
        # In already: kept as a guest, so that the answer ("created", never "duplicate") does not
        # tell the host that this name and address are a registered voter.
        voter = None
    invitation = voter and Invitation.objects.filter(gathering=gathering, voter=voter).first()
    return _arrive(
        user=user,
        gathering=gathering,
        item=item,
        origin=Attendee.Origin.WALK_IN,
        invitation=invitation or None,
        voter_id=voter.pk if voter else None,
        name=item.name,
        address=item.address,
        zip_code=item.zip_code,
        phone=item.phone,
    )


def _ask(*, user, item: Ask, gatherings) -> str:
    if Attendee.objects.filter(ask_uuid=item.uuid).exists():
        return Recorded.DUPLICATE
    attendee = Attendee.objects.filter(client_uuid=item.attendee).first()
    if attendee is None:
        raise DoorError("Check them in before recording their answer.")
    _host_gathering(user, attendee.gathering_id, gatherings)
    try:
        with transaction.atomic():
            # An answer given earlier on the phone never replaces a later one that synced first.
            updated = (
                Attendee.objects.filter(pk=attendee.pk)
                .filter(Q(asked_at__isnull=True) | Q(asked_at__lt=item.device_time))
                .update(ask=item.answer, asked_at=item.device_time, ask_uuid=item.uuid)
            )
    except IntegrityError:
        return Recorded.DUPLICATE
    if not updated:
        return Recorded.DUPLICATE  # a later answer is already recorded: this one changes nothing
    if item.answer == Attendee.Ask.YES and attendee.prospect_id is None:
        _yes_becomes_prospect(attendee, email=item.email, by=user)
    return Recorded.CREATED


_HANDLERS = {CheckIn: _check_in, WalkIn: _walk_in, Ask: _ask}


def door_record(*, user, items: Sequence[DoorItem]) -> list[Recorded]:
    """Record a host's check-ins, walk-ins and answers in order, in one transaction; return one outcome each.

    Each item stands alone (a refused one writes nothing and keeps the others), and a replayed
    UUID is a duplicate that changes nothing.
    """
    gatherings: dict[int, Gathering | None] = {}
    outcomes = []
    with transaction.atomic():
        for item in items:
            try:
                with transaction.atomic():
                    status = _HANDLERS[type(item)](user=user, item=item, gatherings=gatherings)
            except DoorError as error:
                outcomes.append(Recorded(client_uuid=item.uuid, status=Recorded.REJECTED, error=str(error)))
            else:
                outcomes.append(Recorded(client_uuid=item.uuid, status=status))
    return outcomes
