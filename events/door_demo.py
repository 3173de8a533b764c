"""Demo data for speakers and the door: a roster, a booked speaker, and a past gathering with check-ins,
walk-ins and answers to the ask, so `make run` shows the door as it looks after an evening."""

import uuid
from datetime import timedelta

from django.utils import timezone

from contacts.models import Voter
from events.checkin import Ask, CheckIn, WalkIn, door_record
from events.models import Gathering, Invitation, Speaker
from events.speakers import speaker_book
from turf.models import Entry

SPEAKERS = [
    ("Dana Whitfield", "dana.whitfield@example.org", "5735550141"),
    ("Luis Ortega", "luis.ortega@example.org", "8165550172"),
    ("Ruth Akers", "ruth.akers@example.org", ""),
]
ANSWERS = ["yes", "maybe", "no", "not_asked"]


def make_door_demo(*, host, staff) -> None:
    """Give the host a past house meeting at which people were checked in and asked, and book a speaker."""
    if Speaker.objects.exists():
        return
    speakers = [Speaker.objects.create(name=n, email=e, phone=p) for n, e, p in SPEAKERS]
    upcoming = Gathering.objects.filter(host=host, starts_at__gt=timezone.now()).order_by("starts_at").first()
    if upcoming is not None:
        speaker_book(speaker=speakers[0], gathering=upcoming, booked_by=staff)
    entries = Entry.objects.filter(turf__leader=host).calls().select_related("voter").order_by("distance_m")
    callees = [entry.voter for entry in entries[:6]]
    if not callees:
        return
    # The door of the host's last gathering, or of a house meeting twelve days ago if they held none.
    past = (
        Gathering.objects.filter(host=host, ends_at__lt=timezone.now(), cancelled_at__isnull=True)
        .order_by("-starts_at")
        .first()
    )
    if past is None:
        starts = (timezone.localtime() - timedelta(days=12)).replace(
            hour=19, minute=0, second=0, microsecond=0
        )
        past = Gathering.objects.create(
            host=host,
            kind=Gathering.Kind.HOUSE_MEETING,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=90),
            place="The Hendersons' living room",
        )
    starts = past.starts_at
    invitations = list(past.invitations.expected().order_by("pk")[:4]) or [
        Invitation.objects.create(
            gathering=past,
            voter=voter,
            invited_by=host,
            rsvp="yes" if n % 3 else "maybe",
            answered_at=starts - timedelta(days=7),
        )
        for n, voter in enumerate(callees)
    ]
    # A walk-in who gives an address on the voter file, and one who is nobody's neighbor on it yet.
    walker = Voter.objects.registered().filter(
        county=callees[0].county, household__house_number__isnull=False
    )
    walker = walker.exclude(pk__in=[voter.pk for voter in callees]).select_related("household").first()
    items, arrivals = [], []
    for n, invitation in enumerate(invitations[:4]):
        arrivals.append(CheckIn(uuid.uuid4(), past.pk, invitation.pk, starts + timedelta(minutes=n)))
    if walker is not None:
        home = walker.household
        name = f"{walker.first_name.title()} {walker.last_name.title()}"
        address = f"{home.house_number} {home.street_name} {home.street_type}"
        arrivals.append(WalkIn(uuid.uuid4(), past.pk, name, starts + timedelta(minutes=6), address=address))
    arrivals.append(
        WalkIn(uuid.uuid4(), past.pk, "Terry Newcomer", starts + timedelta(minutes=8), phone="6605550188")
    )
    items += arrivals
    items += [
        Ask(uuid.uuid4(), arrival.uuid, ANSWERS[n % len(ANSWERS)], starts + timedelta(minutes=70 + n))
        for n, arrival in enumerate(arrivals)
    ]
    door_record(user=host, items=items)
