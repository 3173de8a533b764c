"""The leader pipeline as a funnel: how many people reached each stage, and the share who went on to the next.

"Reached" counts anyone whose dated stage history got to that stage or past it (stages can be
skipped: a leader who recruits before reporting a contact has reached "first contact" too), so each
stage's number is never smaller than the next one's. One grouped query, whatever the scope's size.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Max, Q, Value, When

from dashboard.progress import Scope
from leaders.models import LeaderProfile, StageChange

LADDER = LeaderProfile.LADDER


@dataclass(frozen=True)
class Step:
    stage: str
    label: str
    reached: int
    # The share of the step before who reached this one; None for the first step or after an empty one.
    conversion: float | None

    @property
    def percent(self) -> int | None:
        return None if self.conversion is None else round(100 * self.conversion)


def _profiles(scope: Scope) -> Q:
    """The people of the scope: a leader by their voter record's county, a prospect by the county given."""
    if scope.counties is None:
        return Q()
    return Q(profile__user__voter__county__in=scope.counties) | Q(
        profile__user__voter__isnull=True, profile__county__in=scope.counties
    )


def funnel(scope: Scope) -> list[Step]:
    """Return the ladder's steps, each with the people who reached it and the conversion from the step before."""
    rank = Case(
        *[When(to_stage=stage, then=Value(index)) for index, stage in enumerate(LADDER)],
        default=Value(-1),
        output_field=IntegerField(),
    )
    furthest = (
        StageChange.objects.filter(_profiles(scope))
        .values("profile")
        .annotate(top=Max(rank))
        .values_list("top", flat=True)
    )
    tops = list(furthest)
    labels = dict(LeaderProfile.Stage.choices)
    steps, before = [], None
    for index, stage in enumerate(LADDER):
        reached = sum(1 for top in tops if top >= index)
        conversion = reached / before if before else None
        steps.append(Step(stage, labels[stage], reached, conversion))
        before = reached
    return steps
