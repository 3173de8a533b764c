"""Gatherings a leader hosts and the neighbors invited to them.

A gathering is small now (host, kind, time, place, capacity). Speakers, check-in and "the ask"
come later as their own fields and rows: an Invitation already links a voter to one gathering,
so attendance and the answer to the ask will hang off it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from contacts.models import ContactAttempt, Voter
from leaders.models import leader_scope


class GatheringQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every gathering; coordinators those of leaders whose home is in their counties; leaders their own."""
        return self.filter(leader_scope(user, "host__"))

    def upcoming(self):
        return self.filter(starts_at__gte=timezone.now()).order_by("starts_at")


class Gathering(models.Model):
    """A house meeting, community gathering, meet-and-greet or training that a leader hosts."""

    class Kind(models.TextChoices):
        HOUSE_MEETING = "house_meeting", "House meeting"
        COMMUNITY = "community", "Community gathering"
        MEET_AND_GREET = "meet_and_greet", "Meet-and-greet"
        TRAINING = "training", "Training"

    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gatherings")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HOUSE_MEETING)
    starts_at = models.DateTimeField()
    # A speaker cannot be in two places at once: that check needs the end, not just the start.
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    place = models.CharField(max_length=120, help_text="Where: a living room, the library, the Lions Club.")
    address = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Leave empty for no limit.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GatheringQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(name="gathering_has_duration", condition=Q(duration_minutes__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {timezone.localtime(self.starts_at):%b %-d, %-I:%M %p}"

    def can_edit(self, user) -> bool:
        return self.host_id == user.pk


def get_gathering_for(user, pk) -> Gathering:
    """Fetch a gathering the user may see, or 404 as if it did not exist."""
    return get_object_or_404(Gathering.objects.visible_to(user).select_related("host"), pk=pk)


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(gathering__in=Gathering.objects.visible_to(user))


class Invitation(models.Model):
    """A neighbor invited to a gathering, usually at the end of a call, and their answer."""

    class Rsvp(models.TextChoices):
        YES = "yes", "Yes"
        MAYBE = "maybe", "Maybe"
        NO = "no", "No"

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="invitations")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rsvp = models.CharField(max_length=5, choices=Rsvp.choices)
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations",
        help_text="The call the invitation was made on.",
    )  # fmt: skip
    # The device time of the answer: an older answer synced late must not overwrite a newer one.
    answered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gathering", "voter"], name="one_invitation_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.gathering_id}: {self.rsvp}"


class LearnedEmail(models.Model):
    """An email address a neighbor gave a leader, for invitations and reminders."""

    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="learned_emails")
    address = models.EmailField()
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "address"], name="one_row_per_learned_email")]

    def __str__(self) -> str:
        return self.address
