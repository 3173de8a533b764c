"""A race's district in the shared ID database: which voters are in it, and the counts a candidate sees.

The one mapping from a race's district type to the shared column that holds that type's code lives
here (`DISTRICT_COLUMNS`). A voter is in the race's district when that column equals the race's code:
a precinct split by the district counts only its voters inside it, never the whole precinct.
Everything here reads through `for_candidates()`, the connection that may only SELECT.
"""

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from candidates.models import Race
from contacts.routers import SHARED_READER
from contacts.shared import RollupState, SharedVoter

DistrictType = Race.DistrictType

# Race.DistrictType -> the SharedVoter column holding the voter's code of that type. Statewide: every voter.
DISTRICT_COLUMNS = {
    DistrictType.CONGRESSIONAL: "congressional_district",
    DistrictType.LEGISLATIVE: "legislative_district",
    DistrictType.SENATE: "senate_district",
    DistrictType.COUNTY: "county",
    DistrictType.PRECINCT: "precinct",
}

# A summary is recomputed when the rollup moves on; this only bounds how long an unused one is kept.
SUMMARY_SECONDS = 24 * 3600

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


def precinct_of(code: str) -> tuple[str, str]:
    """Split a precinct race's code, "County: precinct", into the two (precinct codes repeat across counties)."""
    county, _, precinct = code.partition(":")
    return county.strip(), precinct.strip()


def district_voters(race: Race) -> QuerySet:
    """The shared rows of the voters in the race's district, read through the candidates' connection."""
    voters = SharedVoter.objects.for_candidates()
    if race.district_type == DistrictType.STATEWIDE:
        return voters
    if race.district_type == DistrictType.PRECINCT:
        county, precinct = precinct_of(race.district_code)
        return voters.filter(county=county, precinct=precinct) if county and precinct else voters.none()
    return voters.filter(**{DISTRICT_COLUMNS[race.district_type]: race.district_code})


def _turnout_band() -> Case:
    whens = [
        When(
            Q(elections_voted__gte=low) if high is None else Q(elections_voted__range=(low, high)),
            then=Value(index),
        )
        for index, (_label, low, high) in enumerate(TURNOUT_BANDS)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class Counts:
    """One area's voters by ID tier."""

    name: str
    voters: int
    tiers: list[tuple[str, int]]
    unidentified: int


def _counts(name: str, by_tier: Counter) -> Counts:
    tiers = [(TIER_LABELS[tier], by_tier[tier]) for tier in TIERS]
    return Counts(name=name, voters=by_tier.total(), tiers=tiers, unidentified=by_tier[None])


@dataclass(frozen=True)
class DistrictSummary:
    total: Counts
    precincts: list[Counts]
    turnout: list[tuple[str, int]]
    generals_voted: int
    primaries_voted: int


def district_summary(race: Race) -> DistrictSummary:
    """The district's summary, computed once per state of the shared database and cached.

    Only the rollup writes the shared rows, and each chunk it commits moves its RollupState in the
    same transaction: the state is the version of the data, so a cached summary is never stale.
    """
    state = RollupState.objects.using(SHARED_READER).values_list("watermark", "run_id", "run_after").first()
    version = hashlib.sha256(repr((race.district_type, race.district_code, state)).encode()).hexdigest()
    summary = cache.get_or_set(f"district-summary:{version}", lambda: count_district(race), SUMMARY_SECONDS)
    return replace(summary, total=replace(summary.total, name=race.label))


def count_district(race: Race) -> DistrictSummary:
    """Counts by tier for the district and for the part of each precinct inside it, and the turnout mix.

    One pass over the district's rows, counted by precinct, tier and turnout band (a few aggregates
    over small groups is what PostgreSQL does fastest); the rest is sums of those counts.
    """
    groups = (
        district_voters(race)
        .annotate(band=_turnout_band())
        .values_list("county", "precinct", "precinct_name", "tier", "band")
        .annotate(
            voters=Count("*"),
            generals=Count("voter_id", filter=Q(generals_voted__gt=0)),
            primaries=Count("voter_id", filter=Q(primaries_voted__gt=0)),
        )
        .order_by()
    )
    precincts: dict[tuple, Counter] = defaultdict(Counter)
    total, bands, generals, primaries = Counter(), Counter(), 0, 0
    for county, precinct, precinct_name, tier, band, voters, in_generals, in_primaries in groups:
        precincts[(county, precinct, precinct_name)][tier] += voters
        total[tier] += voters
        bands[band] += voters
        generals += in_generals
        primaries += in_primaries
    return DistrictSummary(
        total=_counts("", total),
        precincts=[
            _counts(" ".join(part for part in key if part), precincts[key]) for key in sorted(precincts)
        ],
        turnout=[(label, bands[index]) for index, (label, _low, _high) in enumerate(TURNOUT_BANDS)],
        generals_voted=generals,
        primaries_voted=primaries,
    )
