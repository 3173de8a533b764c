"""A race's district in the shared ID database: which voters are in it, and the counts a candidate sees.

The one mapping from a race's district type to the shared column that holds that type's code lives
here (`DISTRICT_COLUMNS`). A voter is in the race's district when that column equals the race's code:
a precinct split by the district counts only its voters inside it, never the whole precinct.
Everything here reads through `for_candidates()`, the connection that may only SELECT.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from candidates.models import Race
from contacts.shared import SharedVoter

DistrictType = Race.DistrictType

# Race.DistrictType -> the SharedVoter column holding the voter's code of that type. Statewide: every voter.
DISTRICT_COLUMNS = {
    DistrictType.CONGRESSIONAL: "congressional_district",
    DistrictType.LEGISLATIVE: "legislative_district",
    DistrictType.SENATE: "senate_district",
    DistrictType.COUNTY: "county",
    DistrictType.PRECINCT: "precinct",
}

TIERS = (1, 2, 3, 4, 5)
TIER_LABELS = {1: "1 Strong Dem", 2: "2 Lean Dem", 3: "3 Undecided", 4: "4 Lean Rep", 5: "5 Strong Rep"}

# How often a voter turned out in the elections the voter file lists: (label, lowest, highest).
TURNOUT_BANDS = (
    ("Never voted", 0, 0),
    ("Voted once", 1, 1),
    ("2 to 3 elections", 2, 3),
    ("4 to 7 elections", 4, 7),
    ("8 or more", 8, None),
)


def district_voters(race: Race) -> QuerySet:
    """The shared rows of the voters in the race's district, read through the candidates' connection."""
    voters = SharedVoter.objects.for_candidates()
    if race.district_type == DistrictType.STATEWIDE:
        return voters
    return voters.filter(**{DISTRICT_COLUMNS[race.district_type]: race.district_code})


def _tier_counts() -> dict:
    counts = {f"tier_{tier}": Count("voter_id", filter=Q(tier=tier)) for tier in TIERS}
    counts["unidentified"] = Count("voter_id", filter=Q(tier=None))
    counts["voters"] = Count("voter_id")
    return counts


def _turnout_counts() -> dict:
    counts = {}
    for index, (_label, low, high) in enumerate(TURNOUT_BANDS):
        band = Q(elections_voted__gte=low) if high is None else Q(elections_voted__range=(low, high))
        counts[f"turnout_{index}"] = Count("voter_id", filter=band)
    return counts


@dataclass(frozen=True)
class Counts:
    """One area's voters by ID tier."""

    name: str
    voters: int
    tiers: list[tuple[str, int]]
    unidentified: int


def _counts(name: str, row: dict) -> Counts:
    tiers = [(TIER_LABELS[tier], row[f"tier_{tier}"]) for tier in TIERS]
    return Counts(name=name, voters=row["voters"], tiers=tiers, unidentified=row["unidentified"])


@dataclass(frozen=True)
class DistrictSummary:
    total: Counts
    precincts: list[Counts]
    turnout: list[tuple[str, int]]
    generals_voted: int
    primaries_voted: int


def district_summary(race: Race) -> DistrictSummary:
    """Counts by tier for the district and for the part of each precinct inside it, and the turnout mix."""
    voters = district_voters(race)
    total = voters.aggregate(**_tier_counts(), **_turnout_counts(),
                             generals=Count("voter_id", filter=Q(generals_voted__gt=0)),
                             primaries=Count("voter_id", filter=Q(primaries_voted__gt=0)))  # fmt: skip
    by_precinct = (
        voters.values("county", "precinct", "precinct_name")
        .annotate(**_tier_counts())
        .order_by("county", "precinct")
    )
    precincts = [
        _counts(f"{row['county']} {row['precinct']} {row['precinct_name']}".strip(), row)
        for row in by_precinct
    ]
    turnout = [(label, total[f"turnout_{index}"]) for index, (label, _l, _h) in enumerate(TURNOUT_BANDS)]
    return DistrictSummary(
        total=_counts(race.label, total), precincts=precincts, turnout=turnout,
        generals_voted=total["generals"], primaries_voted=total["primaries"],
    )  # fmt: skip
