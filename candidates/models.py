"""Races, candidacies, the approval of candidate accounts, and the audit logs of changes and exports.

Races live in the `default` database with the program. A race stores its own election year and
dates rather than pointing at turf's cycle: candidates sits beside turf on the app ladder and never
imports it (DESIGN.md section 3).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone


def _staff(user) -> bool:
    return user.is_authenticated and user.is_state_staff


class RaceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every race; a candidate the races they run in; anyone else none."""
        if _staff(user):
            return self
        if user.is_authenticated and user.is_candidate:
            return self.filter(candidacies__candidate=user).distinct()
        return self.none()


class Race(models.Model):
    """One contest on the ballot: an office for a district, with its primary and general election dates."""

    class Office(models.TextChoices):
        STATE_HOUSE = "state_house", "State Representative"
        STATE_SENATE = "state_senate", "State Senator"
        CONGRESS = "congress", "U.S. Representative"
        STATEWIDE = "statewide", "Statewide office"
        COUNTY = "county", "County office"
        LOCAL = "local", "Local office"

    class DistrictType(models.TextChoices):
        # The voter file's district columns (DESIGN.md section 4): a race's code is matched against them.
        CONGRESSIONAL = "congressional", "Congressional district"
        LEGISLATIVE = "legislative", "State House (legislative) district"
        SENATE = "senate", "State Senate district"
        COUNTY = "county", "County (election authority)"
        PRECINCT = "precinct", "Precinct"
        STATEWIDE = "statewide", "Statewide"

    office = models.CharField(max_length=20, choices=Office.choices)
    title = models.CharField(
        max_length=120, blank=True, help_text="The office's own name when the list's is too general."
    )
    district_type = models.CharField(max_length=20, choices=DistrictType.choices)
    district_code = models.CharField(
        max_length=40,
        blank=True,
        help_text='As the voter file writes it: "20 LE 003", "25 CN 5", "Boone". Empty for statewide.',
    )
    election_year = models.PositiveSmallIntegerField()
    primary_date = models.DateField()
    general_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RaceQuerySet.as_manager()

    class Meta:
        ordering = ["-general_date", "office", "district_code"]
        constraints = [
            models.CheckConstraint(name="race_primary_before_general", condition=Q(primary_date__lt=models.F("general_date"))),
            models.CheckConstraint(
                name="race_statewide_has_no_code",
                condition=Q(district_type="statewide", district_code="")
                | (~Q(district_type="statewide") & ~Q(district_code="")),
            ),
            models.UniqueConstraint(
                fields=["office", "title", "district_type", "district_code", "general_date"],
                name="one_race_per_office_district_and_election",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        office = self.title or self.get_office_display()
        where = "" if self.district_type == self.DistrictType.STATEWIDE else f", {self.district_code}"
        return f"{office}{where} ({self.election_year})"


def get_race_for(user, pk) -> Race:
    """Fetch a race the user sees, or 404 as if it did not exist."""
    return get_object_or_404(Race.objects.visible_to(user), pk=pk)


class CandidacyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every candidacy; a candidate their own; anyone else none."""
        if _staff(user):
            return self
        if user.is_authenticated and user.is_candidate:
            return self.filter(candidate=user)
        return self.none()

    def in_the_running(self):
        """Keep the candidacies still on the ballot: not withdrawn, not beaten in the primary."""
        return self.exclude(status__in=[Candidacy.Status.WITHDRAWN, Candidacy.Status.LOST])


class Candidacy(models.Model):
    """One person running in one race. Opponents are recorded too (without an account): a
    Democratic opponent is what makes a primary contested."""

    class Status(models.TextChoices):
        FILED = "filed", "Filed"
        WON_PRIMARY = "won_primary", "Won the primary"
        LOST = "lost", "Lost the primary"
        WITHDRAWN = "withdrawn", "Withdrew"

    race = models.ForeignKey(Race, on_delete=models.PROTECT, related_name="candidacies")
    name = models.CharField(max_length=150, help_text="As on the ballot.")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="candidacies",
        help_text="Their account here, if they have one (role candidate).",
    )
    is_democrat = models.BooleanField(default=True)
    is_incumbent = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FILED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CandidacyQuerySet.as_manager()

    class Meta:
        ordering = ["race", "name"]
        verbose_name_plural = "candidacies"
        constraints = [
            models.UniqueConstraint(fields=["race", "candidate"], name="one_candidacy_per_account_and_race"),
            models.UniqueConstraint(
                fields=["race"],
                condition=Q(status="won_primary", is_democrat=True),
                name="one_democratic_primary_winner_per_race",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.race}"


def get_candidacy_for(user, pk) -> Candidacy:
    """Fetch a candidacy the user sees, or 404 as if it did not exist."""
    return get_object_or_404(Candidacy.objects.visible_to(user).select_related("race", "candidate"), pk=pk)


class Approval(models.Model):
    """Staff's dated approval of a candidate account; until it, and after a revocation, no export opens."""

    candidate = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="candidate_approval"
    )
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="approval_revoked_with_time", condition=Q(revoked_by=None) | ~Q(revoked_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate}: {'revoked' if self.revoked_at else 'approved'}"

    @property
    def is_in_force(self) -> bool:
        return self.revoked_at is None


def candidate_accounts_visible_to(user):
    """Candidate accounts staff may approve: every one for staff, none for anyone else."""
    accounts = get_user_model().objects.filter(role="candidate")
    return accounts if _staff(user) else accounts.none()


def get_candidate_account_for(user, pk):
    """Fetch a candidate account staff may approve, or 404 as if it did not exist."""
    return get_object_or_404(candidate_accounts_visible_to(user), pk=pk)


class ChangeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only staff read the change log."""
        return self if _staff(user) else self.none()


class Change(models.Model):
    """One audited change to a race, a candidacy or an approval: who, when, and each field old -> new."""

    class Subject(models.TextChoices):
        RACE = "race", "Race"
        CANDIDACY = "candidacy", "Candidacy"
        APPROVAL = "approval", "Account approval"

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        APPROVED = "approved", "Approved"
        REVOKED = "revoked", "Revoked"

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=20, choices=Subject.choices)
    subject_id = models.BigIntegerField()
    race = models.ForeignKey(Race, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    description = models.CharField(max_length=300, help_text="What changed, as staff read it.")
    action = models.CharField(max_length=20, choices=Action.choices)
    # {"field label": ["old", "new"]}, values as the pages show them.
    fields = models.JSONField(default=dict, blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.description}"


def get_change_for(user, pk) -> Change:
    return get_object_or_404(Change.objects.visible_to(user), pk=pk)
