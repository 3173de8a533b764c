"""Coverage of every election authority: leaders against their goal share, households inside some
leader's turf, contacts in the last 7 days, IDs, and whether the county is rural.

The numbers are the county counts of dashboard/summary.py (a few minutes old): a coordinator's page
reads the same counts as staff's. Leaders count in their home county (where their coordinator
is); households, contacts and IDs in the county of the voter or door.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from dashboard.goals import Milestone, apportion
from dashboard.models import CountyClass, Goal
from dashboard.progress import next_goal, statewide_milestones
from dashboard.shapes import county_shapes
from dashboard.summary import counted
from turf.models import Cycle

RURAL, URBAN = "rural", "urban"


@dataclass
class CountyRow:
    county: str
    registered: int = 0
    households: int = 0
    households_in_turf: int = 0
    leaders: int = 0  # with lists this cycle
    active: int = 0
    goal: int | None = None  # for the next statewide milestone
    contacts_7d: int = 0
    ids: int = 0
    square_miles: float | None = None
    is_rural: bool = False
    class_note: str = ""  # why: the density rule, or staff's note

    @property
    def voters_per_sq_mile(self) -> float | None:
        return self.registered / self.square_miles if self.square_miles else None

    @property
    def turf_share(self) -> float | None:
        return self.households_in_turf / self.households if self.households else None

    @property
    def goal_share(self) -> float | None:
        """Active leaders as a share of the county's goal."""
        return self.active / self.goal if self.goal else None


def default_is_rural(registered: int, square_miles: float | None) -> bool:
    """The density rule: fewer registered voters per square mile than the setting.

    A county without a shape (Kansas City) or without voters imported yet cannot be measured: urban.
    """
    if not square_miles or not registered:
        return False
    return registered / square_miles < settings.RURAL_VOTERS_PER_SQ_MILE


def next_statewide_milestone(cycle: Cycle, today) -> Milestone | None:
    """The next statewide milestone (see _next_goal): what each county's goal share is of."""
    return next_goal(statewide_milestones(cycle)[0], today)


def county_rows(cycle: Cycle, counties, *, now: datetime | None = None) -> list[CountyRow]:
    """One row per election authority asked for, with every coverage number."""
    now = now or timezone.now()
    counties = sorted(counties)
    rows = {county: CountyRow(county) for county in counties}
    shapes = county_shapes()
    count = counted(cycle)
    classes = {c.county: c for c in CountyClass.objects.filter(county__in=counties)}
    own_goals = _own_goals(cycle, counties, timezone.localdate(now))
    statewide = next_statewide_milestone(cycle, timezone.localdate(now))
    total_registered = sum(row.registered for row in count.values())
    for county, row in rows.items():
        shape = shapes.get(county)
        row.square_miles = shape.square_miles if shape else None
        summary = count.get(county)
        if summary is not None:
            row.registered, row.households = summary.registered, summary.households
            row.households_in_turf, row.contacts_7d, row.ids = (
                summary.households_in_turf, summary.contacts_7d, summary.ids,
            )  # fmt: skip
            row.leaders, row.active = summary.leaders, summary.active
        if county in own_goals:
            row.goal = own_goals[county]
        elif statewide:
            row.goal = apportion(statewide.target, row.registered, total_registered)
        override = classes.get(county)
        if override is not None:
            row.is_rural, row.class_note = (
                override.is_rural,
                f"Set by staff: {override.note or 'no reason given'}",
            )
        else:
            row.is_rural = default_is_rural(row.registered, row.square_miles)
            row.class_note = _density_note(row)
    return list(rows.values())


def _density_note(row: CountyRow) -> str:
    if row.square_miles is None:
        return "No county shape (a city inside other counties): urban unless staff say otherwise."
    if not row.registered:
        return "No registered voters imported yet: urban until they are, unless staff say otherwise."
    threshold = settings.RURAL_VOTERS_PER_SQ_MILE
    side = "fewer" if row.is_rural else "at least"
    return f"{row.voters_per_sq_mile:,.0f} registered voters per square mile: {side} than {threshold:,.0f}."


def _own_goals(cycle: Cycle, counties, today) -> dict[str, int]:
    """Each county's own goal for its next milestone not past due (else its last), where it has goals."""
    goals: dict[str, list[Goal]] = {}
    for goal in Goal.objects.filter(cycle=cycle).for_counties(counties).order_by("due"):
        goals.setdefault(goal.county, []).append(goal)
    return {county: next_goal(dated, today).active_leaders for county, dated in goals.items()}


# Columns the table sorts by (?sort=name, ?sort=-name for the largest first).
SORTS = {
    "county": lambda row: row.county,
    "rural": lambda row: (not row.is_rural, row.county),
    "active": lambda row: row.active,
    "goal_share": lambda row: -1 if row.goal_share is None else row.goal_share,
    "turf_share": lambda row: -1 if row.turf_share is None else row.turf_share,
    "contacts": lambda row: row.contacts_7d,
    "ids": lambda row: row.ids,
    "density": lambda row: -1 if row.voters_per_sq_mile is None else row.voters_per_sq_mile,
}


def sort_rows(rows: list[CountyRow], sort: str) -> tuple[list[CountyRow], str]:
    """Sort by a SORTS key, "-" first for descending; an unknown key sorts by county. Returns the key used."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        return sorted(rows, key=SORTS["county"]), "county"
    return sorted(rows, key=SORTS[key], reverse=sort.startswith("-")), sort
