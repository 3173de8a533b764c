"""Pace and projection against dated goals: pure arithmetic on dates and counts, no database.

The input is when each leader was active (an `Activity`, which `activity` in dashboard/progress.py
reads from the stage history) and the milestones. The projection is a straight line through the
growth of the last PROJECTION_WEEKS weeks, carried forward from today, up to a year past the last
milestone.
"""

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

PROJECTION_WEEKS = 4
PROJECTION_METHOD = (
    f"Projection: a straight line through the growth in active leaders over the last {PROJECTION_WEEKS} "
    "weeks, carried forward from today; a milestone it would reach only more than a year after the last "
    "one has no projected date."
)


@dataclass(frozen=True)
class Milestone:
    due: date
    target: int


@dataclass(frozen=True)
class MilestoneOutlook:
    """Where one milestone stands today."""

    milestone: Milestone
    status: str  # one of the STATUS_* words below
    met_on: date | None  # the day the count first reached the target
    projected_on: date | None  # when the projection reaches it (None: met already, or no growth)
    weekly_pace_needed: (
        float | None
    )  # new active leaders a week from today to make it (None: due date passed)

    @property
    def is_good(self) -> bool:
        return self.status in (MET, ON_TRACK)


MET, MET_LATE, MISSED, ON_TRACK, BEHIND = "met", "met late", "missed", "on track", "behind"


@dataclass(frozen=True)
class Outlook:
    today: date
    active: int
    weekly_growth: float
    milestones: list[MilestoneOutlook]

    @property
    def next(self) -> MilestoneOutlook | None:
        """The first milestone still ahead (not met, not past due)."""
        return next((m for m in self.milestones if m.status in (ON_TRACK, BEHIND)), None)

    @property
    def on_track(self) -> bool | None:
        """Whether every milestone still ahead is on track (None: none is ahead)."""
        ahead = [m for m in self.milestones if m.status in (ON_TRACK, BEHIND)]
        return all(m.status == ON_TRACK for m in ahead) if ahead else None


class Activity:
    """The days leaders became active and the days they stopped: how many were active on any day."""

    def __init__(self, starts: list[date], ends: list[date] = ()):
        self.starts, self.ends = sorted(starts), sorted(ends)

    def active_on(self, day: date) -> int:
        """How many leaders were active at the end of `day`."""
        return bisect_right(self.starts, day) - bisect_right(self.ends, day)

    def met_on(self, target: int) -> date | None:
        """The first day at whose end `target` leaders were active (None: not yet)."""
        if target <= 0:
            return None
        for day in sorted({*self.starts, *self.ends}):
            if self.active_on(day) >= target:
                return day
        return None


def weekly_growth(activity: Activity, today: date, weeks: int = PROJECTION_WEEKS) -> float:
    """Net new active leaders a week, on average over the last `weeks` weeks up to today."""
    return (activity.active_on(today) - activity.active_on(today - timedelta(weeks=weeks))) / weeks


def pace_needed(active: int, milestone: Milestone, today: date) -> float | None:
    """New active leaders a week needed from today to reach the milestone by its date (None: past due)."""
    if active >= milestone.target:
        return 0.0
    days_left = (milestone.due - today).days
    if days_left <= 0:
        return None
    return (milestone.target - active) / (days_left / 7)


def projected_date(active: int, target: int, growth: float, today: date) -> date | None:
    """The day the straight-line projection reaches `target` (None: reached already, or no growth)."""
    if active >= target or growth <= 0:
        return None
    return today + timedelta(days=math.ceil((target - active) / growth * 7))


# A projection further out than this past the last milestone is no date anyone plans by ("Jul 5,
# 2218" at a trickle): the page says "not at the recent pace" instead.
PROJECTION_HORIZON = timedelta(days=365)


def outlook(activity: Activity, milestones: list[Milestone], today: date) -> Outlook:
    """Status, pace needed and projected date of each milestone, from when leaders were active."""
    active = activity.active_on(today)
    growth = weekly_growth(activity, today)
    horizon = max((m.due for m in milestones), default=today) + PROJECTION_HORIZON
    rows = []
    for milestone in sorted(milestones, key=lambda m: m.due):
        met_on = activity.met_on(milestone.target) if active >= milestone.target else None
        projected = projected_date(active, milestone.target, growth, today)
        if projected is not None and projected > horizon:
            projected = None
        if active >= milestone.target:
            status = MET if met_on is None or met_on <= milestone.due else MET_LATE
        elif milestone.due < today:
            status = MISSED
        elif projected is not None and projected <= milestone.due:
            status = ON_TRACK
        else:
            status = BEHIND
        rows.append(
            MilestoneOutlook(milestone, status, met_on, projected, pace_needed(active, milestone, today))
        )
    return Outlook(today, active, growth, rows)


def goal_on(milestones: list[Milestone], start: date, day: date) -> float:
    """The goal line on a day: straight from zero at `start` through each milestone, flat after the last."""
    points = [(start, 0.0)] + [(m.due, float(m.target)) for m in sorted(milestones, key=lambda m: m.due)]
    if day <= start:
        return 0.0
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if day <= d1:
            span = (d1 - d0).days
            return v1 if span <= 0 else v0 + (v1 - v0) * (day - d0).days / span
    return points[-1][1]


def weeks(start: date, end: date) -> list[date]:
    """Every seventh day from `start` up to `end`, and `end` itself."""
    days = [start + timedelta(weeks=n) for n in range(max(0, (end - start).days // 7) + 1)]
    return days if days[-1] == end else [*days, end]


def apportion(target: int, registered: int, total_registered: int) -> int:
    """A county's share of a statewide target, by its share of registered voters, rounded up."""
    return math.ceil(target * registered / total_registered) if total_registered else 0
