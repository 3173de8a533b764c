"""Gatherings a leader hosts and the neighbors invited to them.

A gathering is small now (host, kind, time, place, capacity). Speakers, check-in and "the ask"
come later as their own fields and rows: an Invitation already links a voter to one gathering,
so attendance and the answer to the ask will hang off it.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
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
    held_at = models.DateTimeField(null=True, blank=True, help_text="When the first attendee was checked in.")
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


# --- speakers -------------------------------------------------------------------------------------


class SpeakerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff keep the roster; nobody else sees it (a host sees their own speaker through the booking)."""
        return self if user.is_authenticated and user.is_state_staff else self.none()

    def active(self):
        return self.filter(is_active=True)


class Speaker(models.Model):
    """A state-party speaker whom staff book into gatherings."""

    name = models.CharField(max_length=120)
    email = models.EmailField()
    phone = models.CharField(max_length=15, blank=True, help_text="Ten digits, no punctuation.")
    is_active = models.BooleanField(default=True, help_text="Only active speakers can be booked.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def get_speaker_for(user, pk) -> Speaker:
    """Fetch a speaker the user may manage, or 404 as if it did not exist."""
    return get_object_or_404(Speaker.objects.visible_to(user), pk=pk)


class BookingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every booking; others the bookings of gatherings they see."""
        return self.filter(gathering__in=Gathering.objects.visible_to(user))


class Booking(models.Model):
    """A speaker booked into one gathering, with the time it keeps them busy.

    The gathering's start and end are copied here (events.speakers keeps them in step when the
    gathering moves) so that the database itself can refuse a speaker in two places at once.
    """

    speaker = models.ForeignKey(Speaker, on_delete=models.PROTECT, related_name="bookings")
    gathering = models.OneToOneField(Gathering, on_delete=models.CASCADE, related_name="booking")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # [start − travel, end + travel): the travel buffer is the setting in force when it was booked.
    busy = DateTimeRangeField()
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            # Two staff booking the same speaker at the same moment: one insert waits for the other
            # and then fails, whatever the application checked before.
            ExclusionConstraint(
                name="speaker_in_one_place_at_a_time",
                expressions=[("speaker", RangeOperators.EQUAL), ("busy", RangeOperators.OVERLAPS)],
            ),
            models.CheckConstraint(
                name="booking_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.speaker} at {self.gathering}"


def get_booking_for(user, pk) -> Booking:
    """Fetch a booking of a gathering the user may see, or 404 as if it did not exist."""
    return get_object_or_404(Booking.objects.visible_to(user).select_related("speaker"), pk=pk)


# --- at the door ----------------------------------------------------------------------------------


class AttendeeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(gathering__in=Gathering.objects.visible_to(user))


class Attendee(models.Model):
    """Someone checked in at a gathering's door: an invitee, or a walk-in (a voter when one clearly
    matched, otherwise a guest known only by what they told the host), and their answer to the ask.
    """

    class Origin(models.TextChoices):
        INVITED = "invited", "Invited"
        WALK_IN = "walk_in", "Walk-in"

    class Ask(models.TextChoices):
        NOT_ASKED = "not_asked", "Not asked"
        YES = "yes", "Yes"
        MAYBE = "maybe", "Maybe"
        NO = "no", "No"

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="attendees")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="attendee"
    )
    voter = models.ForeignKey(
        Voter, null=True, blank=True, on_delete=models.PROTECT, related_name="attendances"
    )
    # What a walk-in told the host, as typed (one line each): kept for a guest no voter matched.
    name = models.CharField(max_length=120, blank=True)
    address = models.CharField(max_length=200, blank=True)
    zip_code = models.CharField(max_length=5, blank=True)
    phone = models.CharField(max_length=10, blank=True)
    # The phone makes the UUID when the host taps: a replayed check-in finds it and adds nothing.
    client_uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    checked_in_at = models.DateTimeField(help_text="The device time of the check-in.")
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ask = models.CharField(max_length=10, choices=Ask.choices, default=Ask.NOT_ASKED)
    # The device time and UUID of the answer shown: an older answer synced late never replaces it.
    asked_at = models.DateTimeField(null=True, blank=True)
    ask_uuid = models.UUIDField(null=True, blank=True, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    objects = AttendeeQuerySet.as_manager()

    class Meta:
        ordering = ["checked_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["gathering", "voter"], condition=Q(voter__isnull=False), name="one_attendee_per_voter"
            ),
            models.CheckConstraint(
                name="attendee_is_someone", condition=Q(voter__isnull=False) | ~Q(name="")
            ),
            models.CheckConstraint(
                name="attendee_answer_has_time",
                condition=Q(ask="not_asked", asked_at__isnull=True) | Q(asked_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} at {self.gathering_id}"

    @property
    def display_name(self) -> str:
        return self.voter.display_name if self.voter_id else self.name

    @property
    def is_guest(self) -> bool:
        return self.voter_id is None


def get_attendee_for(user, pk) -> Attendee:
    """Fetch someone checked in at a gathering the user may see, or 404 as if they did not exist."""
    return get_object_or_404(
        Attendee.objects.visible_to(user).select_related("gathering__host", "voter"), pk=pk
    )
