"""Writes of the dashboard: goals, staff's class of a county, who coordinates a leader, the county counts."""

from datetime import date

from django.db import transaction

from dashboard import summary
from dashboard.models import CoordinatorChange, CountyClass, CountySummary, Goal
from leaders.models import LeaderProfile, User
from lib.batch import without_request_timeout
from turf.models import Cycle


class CoordinatorError(Exception):
    """A coordinator who may not look after this leader; the message says why."""


def coordinators_for(profile: LeaderProfile):
    """The active coordinators who cover the county of a leader's home (or a prospect's county)."""
    county = profile.user.voter.county if profile.user_id and profile.user.voter_id else profile.county
    return User.objects.filter(role=User.Role.COORDINATOR, is_active=True, counties__contains=[county])


@transaction.atomic
def assign_coordinator(*, profile: LeaderProfile, coordinator: User | None, by: User) -> bool:
    """Make `coordinator` (None: nobody) the one who looks after a leader, audited; return whether it changed.

    The caller fetched the profile through `get_profile_for(by, ...)`, so it is in `by`'s scope.
    """
    if coordinator is not None and not coordinators_for(profile).filter(pk=coordinator.pk).exists():
        raise CoordinatorError(f"{coordinator} does not coordinate {profile}'s county.")
    profile = LeaderProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.coordinator_id == (coordinator.pk if coordinator else None):
        return False
    profile.coordinator = coordinator
    profile.save(update_fields=["coordinator"])
    CoordinatorChange.objects.create(profile=profile, coordinator=coordinator, by=by)
    return True


def save_default_goals(*, cycle: Cycle, by) -> bool:
    """Save the default statewide milestones (DESIGN.md section 6) for staff to change; return whether it did.

    Until then the dashboard measures against the same defaults without storing them, so a page
    view writes nothing. A cycle with statewide goals keeps them.
    """
    if Goal.objects.filter(cycle=cycle).statewide().exists():
        return False
    Goal.objects.bulk_create(
        [
            Goal(cycle=cycle, due=due, active_leaders=target, updated_by=by)
            for due, target in Goal.defaults_for(cycle)
        ],
        ignore_conflicts=True,  # two clicks at once
    )
    return True


def save_goal(
    *, goal: Goal, due: date, active_leaders: int, county: str = "", house_district: str = "", by
) -> Goal:
    """Create or change a goal (the form has checked its scope and that its date is free)."""
    goal.due, goal.active_leaders = due, active_leaders
    goal.county, goal.house_district, goal.updated_by = county, house_district, by
    goal.save()
    return goal


def delete_goal(*, goal: Goal) -> None:
    goal.delete()


def set_county_class(*, county: str, is_rural: bool | None, note: str = "", by) -> None:
    """Class a county rural or urban over its density, or (None) hand it back to the density rule."""
    if is_rural is None:
        CountyClass.objects.filter(county=county).delete()
        return
    CountyClass.objects.update_or_create(
        county=county, defaults={"is_rural": is_rural, "note": note, "set_by": by}
    )


def summarize_counties(*, cycle: Cycle) -> int:
    """Count the cycle's program per county (dashboard/summary.py) into CountySummary; return how many rows."""
    # Batch work: statewide its scans may take longer than a web request is allowed.
    with transaction.atomic(), without_request_timeout():
        rows = summary.count(cycle)
        CountySummary.objects.filter(cycle=cycle).delete()
        CountySummary.objects.bulk_create(rows)
    return len(rows)
