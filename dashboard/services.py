"""Writes of the dashboard: goals and staff's class of a county."""

from datetime import date

from dashboard.models import CountyClass, Goal
from turf.models import Cycle


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
