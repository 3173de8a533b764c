"""Goals (dated milestones of active leaders per cycle) and staff's rural/urban class of a county."""

from datetime import date

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404

from contacts.voterfile.layout import ELECTION_AUTHORITIES
from turf.models import Cycle

AUTHORITY_CHOICES = [(name, name) for name in sorted(ELECTION_AUTHORITIES)]

# DESIGN.md section 6: 1,000 / 3,000 / 5,000 active leaders by Jun 1 / Sep 1 / Oct 1 of the election year.
DEFAULT_MILESTONES = (((6, 1), 1_000), ((9, 1), 3_000), ((10, 1), 5_000))


class GoalQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every goal; coordinators the statewide ones and their counties'; nobody else any."""
        if not user.is_authenticated:
            return self.none()
        if user.is_state_staff:
            return self
        if user.is_coordinator:
            return self.filter(Q(county="", house_district="") | Q(county__in=user.counties))
        return self.none()

    def statewide(self):
        return self.filter(county="", house_district="")

    def for_counties(self, counties):
        return self.filter(county__in=list(counties))

    def by_district(self):
        return self.exclude(house_district="")


class Goal(models.Model):
    """A dated milestone: this many active leaders by this date, statewide, in a county or a house district."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="goals")
    due = models.DateField()
    active_leaders = models.PositiveIntegerField()
    county = models.CharField(
        max_length=40, blank=True, choices=AUTHORITY_CHOICES, help_text="Empty: statewide (or a district)."
    )
    house_district = models.CharField(
        max_length=20,
        blank=True,
        help_text='The voter file\'s code, e.g. "20 LE 003". Empty: not a district.',
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Empty for the defaults a new cycle starts with.",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "county", "house_district", "due"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "due", "county", "house_district"], name="one_goal_per_date_and_scope"
            ),
            models.CheckConstraint(
                name="goal_scope_is_county_or_district", condition=Q(county="") | Q(house_district="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.active_leaders:,} by {self.due:%b %-d, %Y} · {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.county:
            return self.county
        if self.house_district:
            return f"House district {self.house_district}"
        return "Statewide"

    @staticmethod
    def defaults_for(cycle: Cycle) -> list[tuple[date, int]]:
        """The default statewide milestones of a cycle, in its election year."""
        year = cycle.election_date.year
        return [(date(year, month, day), target) for (month, day), target in DEFAULT_MILESTONES]

    def can_edit(self, user) -> bool:
        return user.is_state_staff


def get_goal_for(user, pk) -> Goal:
    """Fetch a goal the user may see, or 404 as if it did not exist."""
    return get_object_or_404(Goal.objects.visible_to(user).select_related("cycle"), pk=pk)


class CountyClass(models.Model):
    """Staff's word on whether an election authority is rural, over the default from its density."""

    county = models.CharField(max_length=40, unique=True, choices=AUTHORITY_CHOICES)
    is_rural = models.BooleanField()
    note = models.CharField(max_length=200, blank=True, help_text="Why: staff's reason, shown on the page.")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "county classes"

    def __str__(self) -> str:
        return f"{self.county}: {'rural' if self.is_rural else 'urban'}"


class CoordinatorChange(models.Model):
    """The audit of one change of the coordinator who looks after a leader: to whom, by whom, when."""

    profile = models.ForeignKey(
        "leaders.LeaderProfile", on_delete=models.CASCADE, related_name="coordinator_changes"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Empty: nobody in particular.",
    )  # fmt: skip
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.coordinator or 'nobody'} by {self.by} at {self.at:%Y-%m-%d}"


class CountySummary(models.Model):
    """The program in one election authority this cycle, as of its last count (dashboard/summary.py)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    county = models.CharField(max_length=40, blank=True, help_text='"": leaders with no home on file.')
    counted_at = models.DateTimeField()
    # By the voter's or door's county.
    registered = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    households_in_turf = models.PositiveIntegerField(default=0)
    contacts_7d = models.PositiveIntegerField(default=0)
    ids = models.PositiveIntegerField(default=0)
    # By the leader's home county.
    leaders = models.PositiveIntegerField(default=0, help_text="With lists this cycle.")
    active = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    knocks = models.PositiveIntegerField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    tiers = models.JSONField(default=dict, help_text="IDs the county's leaders recorded, by PartyID value.")
    gatherings_held = models.PositiveIntegerField(default=0)
    # The chart of active leaders over time: the days the county's leaders became active, and stopped.
    active_from = ArrayField(models.DateField(), default=list)
    active_until = ArrayField(models.DateField(), default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "county"], name="one_summary_per_county")]

    def __str__(self) -> str:
        return f"{self.county or 'no home'} · {self.cycle} at {self.counted_at:%Y-%m-%d %H:%M}"
