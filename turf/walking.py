"""Doors in walking order: a list grouped by household, streets nearest first, then side, number.

Staff's turf page and the field app (door list, knock screen, paper sheets, home screen) all walk
the same way.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from contacts import party
from contacts.models import Household, Phone, Voter
from turf.models import Entry, Turf


@dataclass
class Door:
    """One household on a list, with its listed voters, in walking order."""

    household: Household | None
    distance_m: float | None
    located: bool
    voters: list = field(default_factory=list)

    @property
    def side(self) -> str:
        household = self.household
        if household is None:
            return ""
        if household.street_side:
            return household.street_side
        if household.house_number is not None:
            return "even" if household.house_number % 2 == 0 else "odd"
        return ""

    def walk_key(self, street_rank: dict) -> tuple:
        household = self.household
        street = household.street_name if household else ""
        number = household.house_number if household and household.house_number is not None else 0
        unit = household.unit_number if household else ""
        return (street_rank.get(street, 0), street, self.side, number, unit)


def doors_in_walking_order(turf: Turf, list_name: str, *, phones: bool = False) -> list[Door]:
    """Return a list's households in walking order: streets nearest first, then side, then number."""
    entries = {
        entry.voter_id: entry
        for entry in Entry.objects.filter(turf=turf, list=list_name).listed().select_related("household")
    }
    voters = party.with_party_signals(Voter.objects.filter(pk__in=entries)).order_by(
        "last_name", "first_name"
    )
    if phones:
        callable_numbers = Phone.objects.callable().order_by("-kind", "pk")
        voters = voters.prefetch_related(
            Prefetch("phones", queryset=callable_numbers, to_attr="callable_phones")
        )
    now = timezone.now()
    doors: dict = {}
    for voter in voters:
        entry = entries[voter.pk]
        voter.likely = party.likely_party(voter, now=now)
        key = entry.household_id or f"voter-{voter.pk}"
        door = doors.setdefault(key, Door(entry.household, entry.distance_m, entry.located))
        door.voters.append(voter)
    nearest: dict[str, float] = {}
    for door in doors.values():
        street = door.household.street_name if door.household else ""
        distance = door.distance_m if door.distance_m is not None else float("inf")
        nearest[street] = min(nearest.get(street, float("inf")), distance)
    rank = {street: index for index, street in enumerate(sorted(nearest, key=lambda s: (nearest[s], s)))}
    return sorted(doors.values(), key=lambda door: door.walk_key(rank))


def get_door_for(user, household_pk) -> tuple[list[Door], int]:
    """Fetch the doors of the user's own door list and where this household is among them.

    Out of scope is 404; a door the user sees (a coordinator, staff) but that is not on their own
    door list is 403: there is nothing for them to knock.
    """
    turf = Turf.objects.active_for(user).first()
    doors = [door for door in doors_in_walking_order(turf, Entry.List.DOOR) if door.household] if turf else []
    order = [door.household.pk for door in doors]
    if household_pk in order:
        return doors, order.index(household_pk)
    if Household.objects.visible_to(user).filter(pk=household_pk).exists():
        raise PermissionDenied
    raise Http404
