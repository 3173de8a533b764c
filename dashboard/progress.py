"""What the dashboard counts, for the whole state or some election authorities: one grouped query a number."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from contacts.models import ContactAttempt, Household, ImportRun, PartyID, Voter
from contacts.voterfile.layout import ELECTION_AUTHORITIES
from dashboard.goals import Milestone, apportion
from dashboard.models import Goal
from events.models import Gathering
from turf.models import Cycle, Turf

AUTHORITY_SLUGS = {slugify(name): name for name in ELECTION_AUTHORITIES}

# Counts of calls, knocks and IDs move all day: statewide they cost a scan of every attempt, so the
# pages show them as of a few minutes ago (and say so). Voter-file counts change only with an import.
ACTIVITY_SECONDS = 300
VOTER_FILE_SECONDS = 24 * 3600


def cached(key: str, compute, seconds: int):
    """Return the cached value of `key`, computing and storing it when missing or expired."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def voter_file_counts() -> dict[str, tuple[int, int]]:
    """Registered voters and households per election authority, as of the last finished import.

    Statewide these are scans of millions of rows: they are counted once per import, not per page.
    """
    last = ImportRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").values_list(
        "pk", "finished_at"
    ).first() or (0, None)

    def count() -> dict[str, tuple[int, int]]:
        voters = dict(Voter.objects.registered().order_by().values_list("county").annotate(n=Count("pk")))
        doors = dict(Household.objects.order_by().values_list("county").annotate(n=Count("pk")))
        return {county: (voters.get(county, 0), doors.get(county, 0)) for county in {*voters, *doors}}

    stamp = f"{last[0]}-{last[1].timestamp() if last[1] else 0}"
    return cached(f"dashboard:voter-file:{stamp}", count, VOTER_FILE_SECONDS)


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


def cycle_began(cycle: Cycle) -> datetime:
    """When "this cycle" began for the counts: the cycle's creation."""
    return cycle.created_at


def activation_dates(cycle: Cycle, scope: Scope) -> list[date]:
    """The day each active leader of the scope became active: their first call or knock on this cycle's lists.

    The one source of the "active leaders over time" series.
    """

    def read() -> list[date]:
        turfs = Turf.objects.of_active_leaders().filter(cycle=cycle).filter(scope.leaders("leader__"))
        moments = turfs.with_first_report().values_list("first_report_at", flat=True)
        return sorted(timezone.localdate(moment) for moment in moments)

    return cached(f"dashboard:activations:{cycle.pk}:{scope.key}", read, ACTIVITY_SECONDS)


def milestones_for(cycle: Cycle, scope: Scope) -> tuple[list[Milestone], str]:
    """The scope's milestones and where they come from, in a sentence for the page.

    Statewide: the statewide goals. Counties with goals of their own: those, added up by date.
    Otherwise the statewide goals times the counties' share of the state's registered voters.
    """
    statewide = [Milestone(g.due, g.active_leaders) for g in Goal.objects.filter(cycle=cycle).statewide()]
    if scope.counties is None:
        return statewide, "The statewide goals."
    own: dict[date, int] = {}
    for goal in Goal.objects.filter(cycle=cycle).for_counties(scope.counties):
        own[goal.due] = own.get(goal.due, 0) + goal.active_leaders
    if own:
        return [
            Milestone(due, target) for due, target in sorted(own.items())
        ], "Goals set for these counties."
    registered = {county: voters for county, (voters, _) in voter_file_counts().items()}
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
    return cached(
        f"dashboard:totals:{cycle.pk}:{scope.key}", lambda: _count_totals(cycle, scope), ACTIVITY_SECONDS
    )


def _count_totals(cycle: Cycle, scope: Scope) -> Totals:
    now = timezone.now()
    since = cycle_began(cycle)
    attempts = ContactAttempt.objects.filter(device_time__gte=since).filter(scope.leaders("leader__"))
    by_tier = dict(
        PartyID.objects.filter(recorded_at__gte=since)
        .filter(scope.leaders("leader__"))
        .order_by()
        .values_list("value")
        .annotate(n=Count("pk"))
    )
    held = (
        Gathering.objects.filter(held_at__gte=since, held_at__lt=now).filter(scope.leaders("host__")).count()
    )
    ids = [(label, by_tier.get(value, 0)) for value, label in PartyID.Value.choices]
    return Totals(
        attempts.called().count(), attempts.knocked().count(), attempts.reached().count(), ids, held
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


def next_goal(goals: list[Goal], today: date) -> Goal | None:
    """The first of these goals not past due, else the last (`goals` by date)."""
    ahead = [goal for goal in goals if goal.due >= today] or goals[-1:]
    return ahead[0] if ahead else None
