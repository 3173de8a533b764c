"""Demo gatherings for `make run`: one held last month and one coming up per demo leader, with RSVPs."""

from datetime import timedelta

from django.utils import timezone

from events.models import Gathering, Invitation
from turf.models import Turf

# How the demo's neighbors answered, in call-list order: a living program has every kind of answer.
ANSWERS = ["yes", "yes", "maybe", "no", "yes", "invited", "maybe", "yes", "no", "invited", "yes", "invited"]


def _evening(days: int, hour: int = 19):
    return (timezone.localtime() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _invite(gathering: Gathering, turf: Turf | None, *, answered_at) -> None:
    if turf is None:
        return
    voters = [entry.voter for entry in turf.entries.calls().select_related("voter").order_by("distance_m")]
    Invitation.objects.bulk_create(
        [
            Invitation(
                gathering=gathering,
                voter=voter,
                invited_by=gathering.host,
                rsvp=rsvp,
                answered_at=None if rsvp == "invited" else answered_at,
                email=f"neighbor{voter.pk}@example.org" if rsvp in ("yes", "maybe") else "",
            )
            for voter, rsvp in zip(voters, ANSWERS, strict=False)
        ],
        ignore_conflicts=True,
    )


def create_demo_gatherings(*, leaders) -> list[Gathering]:
    """Give each demo leader a gathering held three weeks ago and one in ten days, with invitees' answers."""
    made = []
    for host, place, address in leaders:
        if Gathering.objects.filter(host=host).exists():
            continue
        turf = Turf.objects.active_for(host).first()
        past_start = _evening(-21)
        past = Gathering.objects.create(
            host=host, kind=Gathering.Kind.HOUSE_MEETING, starts_at=past_start,
            ends_at=past_start + timedelta(minutes=90), place=f"{host.first_name}'s living room", capacity=12,
        )  # fmt: skip
        upcoming_start = _evening(10)
        upcoming = Gathering.objects.create(
            host=host, kind=Gathering.Kind.COMMUNITY, starts_at=upcoming_start,
            ends_at=upcoming_start + timedelta(minutes=90), place=place, address=address, capacity=30,
            notes="Coffee and cookies. Bring a neighbor!",
            accessibility="Step-free entrance on the north side; accessible restroom.",
        )  # fmt: skip
        _invite(past, turf, answered_at=past_start - timedelta(days=5))
        _invite(upcoming, turf, answered_at=timezone.now() - timedelta(days=1))
        made += [past, upcoming]
    return made
