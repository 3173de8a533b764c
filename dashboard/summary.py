"""The program counted per election authority: what the dashboard's totals and the coverage page show.

Statewide each number is a scan of hundreds of thousands of rows (attempts, IDs, list entries,
voters), too slow for a page view. A task counts them every few minutes and after each voter-file
import (dashboard/tasks.py) into CountySummary rows, which the pages read in one query; before the
first count (tests, a new database) the pages count the same way on the spot and store nothing.

Two counties per person or thing: leaders, their calls, knocks, IDs and gatherings count in the
leader's home county (where their coordinator is); households, contacts and IDs on the coverage
page in the county of the voter or door. Leaders with no home on file count under "".
"""

from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from contacts.models import ContactAttempt, Household, PartyID, Voter
from dashboard.models import CountySummary
from events.models import Gathering
from leaders.models import LeaderProfile, StageChange
from turf.models import Cycle, Entry, Turf

NO_HOME = ""


def cycle_began(cycle: Cycle) -> datetime:
    """When "this cycle" began for the counts: the cycle's creation."""
    return cycle.created_at


def stored(cycle: Cycle) -> dict[str, CountySummary]:
    """The last count of the cycle per county ({}: never counted)."""
    return {row.county: row for row in CountySummary.objects.filter(cycle=cycle)}


def counted(cycle: Cycle) -> dict[str, CountySummary]:
    """The last count of the cycle, or (never counted) a count made now and not stored."""
    return stored(cycle) or {row.county: row for row in count(cycle)}


def count(cycle: Cycle, now: datetime | None = None) -> list[CountySummary]:
    """Count every number of every county for the cycle (unsaved rows)."""
    now = now or timezone.now()
    since = cycle_began(cycle)
    rows: dict[str, CountySummary] = {}

    def row(county: str | None) -> CountySummary:
        county = county or NO_HOME
        if county not in rows:
            rows[county] = CountySummary(
                cycle=cycle, county=county, counted_at=now, tiers={}, active_from=[], active_until=[]
            )
        return rows[county]

    def add(pairs, field: str) -> None:
        for county, n in pairs:
            setattr(row(county), field, n)

    add(Voter.objects.registered().order_by().values_list("county").annotate(n=Count("pk")), "registered")
    add(Household.objects.order_by().values_list("county").annotate(n=Count("pk")), "households")
    # Each door once, however many lists it is on: a semi-join, not a COUNT(DISTINCT) of every entry.
    listed = Entry.objects.filter(cycle=cycle, turf__status=Turf.Status.ACTIVE).values("household_id")
    doors = Household.objects.filter(pk__in=listed)
    add(doors.order_by().values_list("county").annotate(n=Count("pk")), "households_in_turf")
    recent = ContactAttempt.objects.standing().filter(device_time__gte=now - timedelta(days=7))
    recent = recent.annotate(county=Coalesce("household__county", "voter__county"))
    add(recent.order_by().values_list("county").annotate(n=Count("pk")), "contacts_7d")
    ids = PartyID.objects.standing().filter(recorded_at__gte=since)
    add(ids.order_by().values_list("voter__county").annotate(n=Count("pk")), "ids")

    home = "leader__voter__county"
    with_lists = Turf.objects.filter(cycle=cycle).active()
    add(with_lists.order_by().values_list(home).annotate(n=Count("pk")), "leaders")
    active = Turf.objects.of_active_leaders().filter(cycle=cycle)
    add(active.order_by().values_list(home).annotate(n=Count("pk")), "active")
    attempts = ContactAttempt.objects.standing().filter(device_time__gte=since)
    # One pass over the attempts for the three counts, each the condition its QuerySet method keeps.
    for county, calls, knocks, talks in (
        attempts.order_by()
        .values_list(home)
        .annotate(
            calls=_count_of(attempts.called()),
            knocks=_count_of(attempts.knocked()),
            talks=_count_of(attempts.reached()),
        )
    ):
        found = row(county)
        found.calls, found.knocks, found.conversations = calls, knocks, talks
    for county, value, n in (
        ids.filter(leader__isnull=False).order_by().values_list(home, "value").annotate(n=Count("pk"))
    ):
        row(county).tiers[str(value)] = n
    held = Gathering.objects.filter(held_at__gte=since, held_at__lt=now)
    add(held.order_by().values_list("host__voter__county").annotate(n=Count("pk")), "gatherings_held")
    for county, (starts, ends) in active_spans(cycle).items():
        row(county).active_from, row(county).active_until = starts, ends
    return list(rows.values())


def active_spans(cycle: Cycle) -> dict[str, tuple[list[date], list[date]]]:
    """The days leaders became active this cycle and the days they stopped, per home county.

    The one source of "active leaders over time". A leader becomes active at their first call or
    knock on this cycle's turf (so both "turf delivered" and "first contact this cycle" hold), stops
    when the stage history moves them to inactive or quit, and is active again from the move that
    brings them back. Only a turf still open counts today, so the last day agrees with
    `Turf.objects.of_active_leaders()`.
    """
    turfs = (
        Turf.objects.filter(cycle=cycle)
        .with_first_report()
        .values_list("leader_id", "leader__voter__county", "first_report_at", "status")
    )
    reported = {
        leader: (county or NO_HOME, first, status == Turf.Status.ACTIVE)
        for leader, county, first, status in turfs
        if first is not None
    }
    # Only moves into or out of an exit change whether someone is active: few rows, even statewide.
    exits = LeaderProfile.EXITS
    moves: dict[int, list[tuple[datetime, bool]]] = {}
    for leader, at, stage in (
        StageChange.objects.filter(Q(to_stage__in=exits) | Q(from_stage__in=exits))
        .filter(profile__user__turfs__cycle=cycle)
        .order_by("at", "pk")
        .values_list("profile__user_id", "at", "to_stage")
    ):
        moves.setdefault(leader, []).append((at, stage in exits))
    here = timezone.get_current_timezone()
    spans: dict[str, tuple[list[date], list[date]]] = {}
    for leader, (county, first, open_now) in reported.items():
        starts, ends = spans.setdefault(county, ([], []))
        for start, end in _spans(first, moves.get(leader, []), open_now):
            starts.append(start.astimezone(here).date())
            if end is not None:
                ends.append(end.astimezone(here).date())
    return spans


def _spans(first_report: datetime, moves: list[tuple[datetime, bool]], open_now: bool):
    """The spans (start, end or None) a leader was active from their first report, given their moves
    into (True) and out of (False) an exit, in order; a span still open needs the turf still open."""
    exited = False
    for at, to_exit in moves:
        if at <= first_report:
            exited = to_exit
    start = None if exited else first_report
    for at, to_exit in moves:
        if at <= first_report:
            continue
        if to_exit and start is not None:
            yield start, at
            start = None
        elif not to_exit and start is None:
            start = at
    if start is not None and open_now:
        yield start, None


def _count_of(subset) -> Count:
    """Count the rows of a filtered QuerySet within an aggregate over its unfiltered one."""
    return Count("pk", filter=subset.query.where)
