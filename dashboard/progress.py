"""What the dashboard counts, for the whole state or some election authorities: one grouped query a number."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.http import Http404
from django.utils.text import slugify

from contacts.models import PartyID
from contacts.voterfile.layout import ELECTION_AUTHORITIES
from dashboard.goals import Activity, Milestone, apportion
from dashboard.models import Goal
from dashboard.summary import counted
from turf.models import Cycle, Turf

AUTHORITY_SLUGS = {slugify(name): name for name in ELECTION_AUTHORITIES}


def voter_file_counts(cycle: Cycle) -> dict[str, tuple[int, int]]:
    """Registered voters and households per election authority, as of the last county count."""
    return {county: (row.registered, row.households) for county, row in counted(cycle).items() if county}


@dataclass(frozen=True)
class Scope:
    """Whose numbers: the whole state (`counties` None) or these election authorities."""

    counties: tuple[str, ...] | None
    label: str

    @property
    def key(self) -> str:
        """The scope in a cache key."""
        return "all" if self.counties is None else slugify("-".join(self.counties))

    def leaders(self, path: str = "") -> Q:
        """The leaders of the scope (their home is in its counties), as a condition on the path to one."""
        return Q() if self.counties is None else Q(**{f"{path}voter__county__in": self.counties})


def scope_for(user, slug: str | None = None) -> Scope:
    """The user's scope, narrowed to one county by its slug; 404 for a county outside it, or for a leader."""
    if not user.is_authenticated or not (user.is_state_staff or user.is_coordinator):
        raise Http404
    if slug is None:
        if user.is_state_staff:
            return Scope(None, "Missouri")
        counties = tuple(sorted(set(user.counties) & set(ELECTION_AUTHORITIES)))
        return Scope(counties, ", ".join(counties))
    county = AUTHORITY_SLUGS.get(slug)
    if county is None or not (user.is_state_staff or county in user.counties):
        raise Http404
    return Scope((county,), county)


def activity(cycle: Cycle, scope: Scope) -> Activity:
    """When each leader of the scope was active this cycle (see `active_spans`), as of the last county count."""
    rows = [
        row for county, row in counted(cycle).items() if scope.counties is None or county in scope.counties
    ]
    return Activity(
        [day for row in rows for day in row.active_from], [day for row in rows for day in row.active_until]
    )


def statewide_milestones(cycle: Cycle) -> tuple[list[Milestone], bool]:
    """The cycle's statewide milestones by date, and whether they are the defaults (none saved yet)."""
    saved = [
        Milestone(g.due, g.active_leaders)
        for g in Goal.objects.filter(cycle=cycle).statewide().order_by("due")
    ]
    if saved:
        return saved, False
    return [Milestone(due, target) for due, target in Goal.defaults_for(cycle)], True


def milestones_for(cycle: Cycle, scope: Scope) -> tuple[list[Milestone], str]:
    """The scope's milestones and where they come from, in a sentence for the page.

    Statewide: the statewide goals (the defaults until staff save some). Counties with goals of their own: those, added up by date.
    Otherwise the statewide goals times the counties' share of the state's registered voters.
    """
    statewide, default = statewide_milestones(cycle)
    if scope.counties is None:
        return (
            statewide,
            "The default goals: staff have set no statewide goals." if default else "The statewide goals.",
        )
    own: dict[date, int] = {}
    for goal in Goal.objects.filter(cycle=cycle).for_counties(scope.counties):
        own[goal.due] = own.get(goal.due, 0) + goal.active_leaders
    if own:
        return [
            Milestone(due, target) for due, target in sorted(own.items())
        ], "Goals set for these counties."
    registered = {county: voters for county, (voters, _) in voter_file_counts(cycle).items()}
    mine, everyone = sum(registered.get(county, 0) for county in scope.counties), sum(registered.values())
    milestones = [Milestone(m.due, apportion(m.target, mine, everyone)) for m in statewide]
    share = mine / everyone if everyone else 0
    return milestones, (
        f"No goals are set for {scope.label}: these are the statewide goals times its share of the "
        f"state's registered voters ({share:.1%})."
    )


@dataclass(frozen=True)
class Totals:
    calls: int
    knocks: int
    conversations: int
    ids: list[tuple[str, int]]  # (tier, count), every tier
    gatherings_held: int


def totals(cycle: Cycle, scope: Scope) -> Totals:
    """This cycle's calls, knocks, conversations, IDs by tier and gatherings held by the scope's leaders."""
    rows = [
        row for county, row in counted(cycle).items() if scope.counties is None or county in scope.counties
    ]
    tiers = {value: sum(row.tiers.get(str(value), 0) for row in rows) for value, _ in PartyID.Value.choices}
    return Totals(
        sum(row.calls for row in rows),
        sum(row.knocks for row in rows),
        sum(row.conversations for row in rows),
        [(label, tiers[value]) for value, label in PartyID.Value.choices],
        sum(row.gatherings_held for row in rows),
    )


@dataclass(frozen=True)
class DistrictProgress:
    district: str
    milestone: Milestone
    active: int


def district_progress(cycle: Cycle, scope: Scope, today: date) -> list[DistrictProgress]:
    """Each house district with goals: its next milestone (else its last) and its active leaders by home."""
    goals: dict[str, list[Goal]] = {}
    for goal in Goal.objects.filter(cycle=cycle).by_district().order_by("due"):
        goals.setdefault(goal.house_district, []).append(goal)
    if not goals:
        return []
    active = dict(
        Turf.objects.of_active_leaders()
        .filter(cycle=cycle)
        .filter(scope.leaders("leader__"), leader__voter__legislative_district__in=list(goals))
        .order_by()
        .values_list("leader__voter__legislative_district")
        .annotate(n=Count("pk"))
    )
    rows = []
    for district, dated in sorted(goals.items()):
        goal = next_goal(dated, today)
        rows.append(
            DistrictProgress(district, Milestone(goal.due, goal.active_leaders), active.get(district, 0))
        )
    return rows


def next_goal(goals: list, today: date):
    """The first of these goals or milestones not past due, else the last (`goals` by date)."""
    ahead = [goal for goal in goals if goal.due >= today] or goals[-1:]
    return ahead[0] if ahead else None
