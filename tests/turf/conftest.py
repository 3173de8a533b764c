"""Neighborhoods for turf tests, built row by row with plain make_* functions.

Places are real: Maryville (Nodaway County, rural northwest Missouri) and Kansas City (Jackson).
Coordinates step in metres around a centre so distances are easy to reason about.
"""

import itertools
import math
from datetime import date, timedelta

import pytest
from django.utils import timezone

from contacts.models import Household, LeaderMark, PartyID, Phone, Score, Suppression, Voter
from tests.conftest import make_user
from turf.models import Cycle

MARYVILLE = (40.3461, -94.8725)
KANSAS_CITY = (39.0997, -94.5786)
COLUMBIA = (38.9517, -92.3341)

_ids = itertools.count(70_000_000)
_addresses = itertools.count(1)


def offset(point: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    """Return the point `east_m` metres east and `north_m` metres north of `point`."""
    lat, lon = point
    return (lat + north_m / 111_195.0, lon + east_m / (111_195.0 * math.cos(math.radians(lat))))


def make_cycle(name: str = "2028 General", *, active: bool = True) -> Cycle:
    return Cycle.objects.create(name=name, election_date=date(2028, 11, 7), is_active=active)


def make_household(
    point: tuple[float, float] | None,
    *,
    county: str = "Nodaway",
    precinct: str = "Maryville 1",
    street: str = "Main",
    number: int | None = None,
    side: str = "",
    city: str = "Maryville",
) -> Household:
    n = next(_addresses)
    return Household.objects.create(
        address_key=f"{n} {street} {city}",
        house_number=number if number is not None else 100 + n,
        street_name=street,
        street_type="St",
        city=city,
        zip_code="64468",
        county=county,
        precinct=precinct,
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        street_side=side,
    )


def make_voter(
    household: Household | None,
    *,
    first: str = "Pat",
    last: str = "Neighbor",
    declared: str = "",
    registered: bool = True,
    phone: bool = False,
    score: int | None = None,
) -> Voter:
    voter = Voter.objects.create(
        id=next(_ids),
        household=household,
        first_name=first,
        last_name=last,
        birth_year=1960,
        declared_party=declared,
        county=household.county if household else "Nodaway",
        precinct=household.precinct if household else "",
        is_registered=registered,
    )
    if phone:
        Phone.objects.create(voter=voter, number=f"660555{voter.pk % 10_000:04d}", kind=Phone.Kind.CELL)
    if score is not None:
        Score.objects.create(voter=voter, value=score)
    return voter


def make_party_id(voter: Voter, value: int, *, days_ago: int = 10, leader=None) -> PartyID:
    return PartyID.objects.create(
        voter=voter,
        value=value,
        channel="door",
        leader=leader,
        recorded_at=timezone.now() - timedelta(days=days_ago),
    )


def make_mark(voter: Voter, leader) -> LeaderMark:
    return LeaderMark.objects.create(voter=voter, leader=leader)


def make_suppression(voter: Voter, reason: str = Suppression.Reason.HOSTILE, *, phone=None) -> Suppression:
    return Suppression.objects.create(voter=voter, reason=reason, phone=phone)


def make_neighborhood(
    centre: tuple[float, float],
    *,
    households: int,
    spacing_m: float = 40.0,
    county: str = "Nodaway",
    precinct: str = "Maryville 1",
    city: str = "Maryville",
    dems: int = 1,
    unknowns: int = 1,
) -> list[Household]:
    """Lay out households on a square grid of streets around `centre`.

    Each household holds `dems` likely Democrats with a phone (score 80) and `unknowns` voters with
    nothing known, so both lists can fill from it.
    """
    side = math.ceil(math.sqrt(households))
    made = []
    for i in range(households):
        row, col = divmod(i, side)
        point = offset(centre, (col - side / 2) * spacing_m, (row - side / 2) * spacing_m)
        household = make_household(
            point, county=county, precinct=precinct, street=f"Street {row}", number=100 + 2 * col, city=city
        )
        for _ in range(dems):
            make_voter(household, phone=True, score=80)
        for _ in range(unknowns):
            make_voter(household)
        made.append(household)
    return made


def make_leader(email: str, home: tuple[float, float] | None, *, county: str = "Nodaway", precinct: str = "Maryville 1",
                street: str = "Home", number: int = 1):  # fmt: skip
    """A leader linked to their own voter record at `home` (None: an address the geocoder missed)."""
    user = make_user(email)
    household = make_household(home, county=county, precinct=precinct, street=street, number=number)
    # The leader's own vote is known: they are no neighbor to call or knock.
    user.voter = make_voter(
        household, first=email.split("@")[0].title(), last="Leader", declared="Democratic"
    )
    user.save(update_fields=["voter"])
    return user


@pytest.fixture
def cycle(db):
    return make_cycle()
