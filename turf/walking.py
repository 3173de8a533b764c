"""Doors in walking order: a list grouped by household, streets nearest first, then side, number.

Staff's turf page and the field app (door list, knock screen, paper sheets, home screen) all walk
the same way.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from contacts import party
from contacts.models import Household, Voter
from turf.eligibility import callable_phones
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
        callable_numbers = callable_phones().order_by("-kind", "pk")
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
