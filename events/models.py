"""Gatherings a leader hosts, the neighbors invited to them, and the emails sent to those neighbors.

An Invitation links a voter to one gathering: the RSVP, the invitee's private link, and (later)
attendance and the answer to the ask hang off it. A Mailing is one email owed to one invitee.
"""

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.signing import BadSignature, Signer
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from contacts.models import ContactAttempt, Voter
from events.calendar import CalendarEvent
from leaders.models import leader_scope


class GatheringQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every gathering; coordinators those of leaders whose home is in their counties; leaders their own."""
        return self.filter(leader_scope(user, "host__"))

    def upcoming(self):
        return self.filter(starts_at__gte=timezone.now(), cancelled_at__isnull=True).order_by("starts_at")


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
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=120, help_text="Where: a living room, the library, the Lions Club.")
    address = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Leave empty for no limit.")
    notes = models.TextField(blank=True, max_length=2000, help_text="For guests: parking, what to bring.")
    accessibility = models.TextField(
        blank=True, max_length=1000, help_text="Steps, ramps, restrooms, hearing loop, a ride if needed."
    )
    # Calendars know an event by its UID and take a higher SEQUENCE as a newer version of it.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(
        default=0, help_text="Goes up each time the time or place changes."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True, help_text="When the first attendee was checked in.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GatheringQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at"], name="gathering_starts_at")]
        constraints = [
            models.CheckConstraint(
                name="gathering_ends_after_it_starts", condition=Q(ends_at__gt=F("starts_at"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {timezone.localtime(self.starts_at):%b %-d, %-I:%M %p}"

    def can_edit(self, user) -> bool:
        return self.host_id == user.pk and not self.is_cancelled and not self.is_over

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_over(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def location(self) -> str:
        return f"{self.place}, {self.address}" if self.address else self.place

    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.invitations.seated().count())

    def calendar_event(self, *, url: str = "") -> CalendarEvent:
        """This gathering as a calendar entry: its UID and SEQUENCE stay with it through every change."""
        host = self.host.first_name if self.host_id else ""
        description = "\n\n".join(
            part for part in (f"Hosted by {host}." if host else "", self.notes, self.accessibility) if part
        )
        return CalendarEvent(
            uid=f"{self.uid}@{settings.SITE_NAME.lower().replace(' ', '-')}",
            sequence=self.sequence,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            summary=self.get_kind_display(),
            location=self.location,
            description=description,
            url=url,
            cancelled=self.is_cancelled,
        )


def get_gathering_for(user, pk) -> Gathering:
    """Fetch a gathering the user may see, or 404 as if it did not exist."""
    return get_object_or_404(Gathering.objects.visible_to(user).select_related("host"), pk=pk)


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(gathering__in=Gathering.objects.visible_to(user))

    def seated(self):
        """Keep the yeses that hold a seat: the ones not waiting on the waitlist."""
        return self.filter(rsvp=Invitation.Rsvp.YES, waitlisted_at__isnull=True)

    def waitlisted(self):
        return self.filter(waitlisted_at__isnull=False).order_by("waitlisted_at", "pk")

    def expected(self):
        """Keep the invitees who may come and are owed reminders: seated yeses and maybes."""
        return self.filter(rsvp__in=[Invitation.Rsvp.YES, Invitation.Rsvp.MAYBE], waitlisted_at__isnull=True)

    def with_mail_news(self):
        """Add what the host should know of each guest's email: `email_bounced`, and `seat_mail`, the
        outcome of the "a seat opened" email at the gathering's current time and place (None if none owed).
        """
        return self.annotate(
            email_bounced=Exists(
                StoppedAddress.objects.filter(address=OuterRef("email"), reason=StoppedAddress.Reason.BOUNCED)
            ),
            seat_mail=Subquery(
                Mailing.objects.filter(
                    invitation=OuterRef("pk"),
                    kind=Mailing.Kind.SEAT,
                    sequence=OuterRef("gathering__sequence"),
                ).values("outcome")[:1]
            ),
        )


def get_invitation_for(user, pk) -> "Invitation":
    """Fetch an invitation to a gathering the user may see, or 404 as if it did not exist."""
    return get_object_or_404(Invitation.objects.visible_to(user).select_related("gathering", "voter"), pk=pk)


def new_link_salt() -> str:
    return secrets.token_urlsafe(12)


class Invitation(models.Model):
    """A neighbor invited to a gathering, at the end of a call or from the host's lists, and their answer."""

    class Rsvp(models.TextChoices):
        YES = "yes", "Yes"
        MAYBE = "maybe", "Maybe"
        NO = "no", "No"
        INVITED = "invited", "No answer yet"

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="invitations")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rsvp = models.CharField(max_length=8, choices=Rsvp.choices, default=Rsvp.INVITED)
    # A yes when every seat is taken waits here, first come first seated, until a seat frees up.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations",
        help_text="The call the invitation was made on.",
    )  # fmt: skip
    # The device time of the answer: an older answer synced late must not overwrite a newer one.
    answered_at = models.DateTimeField(null=True, blank=True)
    # The invitee's private link is signed with this salt: a new salt makes every older link invalid.
    link_salt = models.CharField(max_length=32, default=new_link_salt, editable=False)
    email = models.EmailField(blank=True, help_text="Given by the invitee for a reminder.")
    phone = models.CharField(max_length=30, blank=True, help_text="Given by the invitee for a reminder.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gathering", "voter"], name="one_invitation_per_voter"),
            models.CheckConstraint(
                name="only_a_yes_waits_for_a_seat", condition=Q(waitlisted_at__isnull=True) | Q(rsvp="yes")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.gathering_id}: {self.rsvp}"

    def link_token(self) -> str:
        """The invitee's private link token: the invitation's id, signed with its own salt."""
        return Signer(salt=f"events.rsvp.{self.link_salt}").sign(str(self.pk))

    @property
    def is_expected(self) -> bool:
        """A seated yes or a maybe: someone who may come and is owed reminders (see `expected()`)."""
        return self.rsvp in (self.Rsvp.YES, self.Rsvp.MAYBE) and self.waitlisted_at is None

    @property
    def is_waitlisted(self) -> bool:
        return self.waitlisted_at is not None

    @property
    def seat_news(self) -> str:
        """How the "a seat opened" email to this seated guest went (after `with_mail_news()`), or ""."""
        if getattr(self, "seat_mail", None) is None or not self.is_expected:
            return ""
        return {Mailing.Outcome.PENDING: "email on its way", Mailing.Outcome.SENT: "emailed"}.get(
            self.seat_mail, "not emailed"
        )

    @property
    def status_display(self) -> str:
        return "Waitlisted" if self.is_waitlisted else self.get_rsvp_display()


class LinkRefused(Exception):
    """An invitee's link that is tampered with, replaced by a newer one, or past its gathering."""


def get_invitation_by_link(token: str) -> Invitation:
    """Return the invitation a private link names, or raise LinkRefused with what to tell the visitor.

    The link is valid while its gathering has not ended and no newer link replaced it (a new salt).
    """
    pk, _, _ = token.partition(":")
    invitation = (
        Invitation.objects.select_related("gathering", "gathering__host").filter(pk=pk).first()
        if pk.isdigit() and len(pk) < 19
        else None
    )
    try:
        if invitation is None:
            raise BadSignature
        Signer(salt=f"events.rsvp.{invitation.link_salt}").unsign(token)
    except BadSignature:
        raise LinkRefused(
            "This link is not valid. It may have been mistyped, or replaced by a newer one: "
            "ask the neighbor who invited you for the latest link."
        ) from None
    if invitation.gathering.is_over:
        raise LinkRefused("This gathering is over, so its invitation link no longer works.")
    return invitation


class StoppedAddress(models.Model):
    """An email address the app never mails again: its owner unsubscribed, or mail to it bounced."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"

    # Stored lower-cased: one row per mailbox, however it was typed.
    address = models.EmailField(unique=True)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    detail = models.CharField(max_length=300, blank=True, help_text="What the mail server said.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "stopped addresses"

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"


class Mailing(models.Model):
    """One email owed to one invitee: a reminder at a lead time, a change or cancellation notice, or
    the news that a seat opened for a waitlisted yes.

    The unique key (invitation, kind, lead, sequence) makes "owed" a fact in the database, so two
    dispatchers can never both create it; `claimed_at` and `sent_at` record who is sending it and
    that it went (see `events.mailings`).
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        CHANGE = "change", "Change notice"
        CANCEL = "cancel", "Cancellation notice"
        SEAT = "seat", "Seat opened"  # a waitlisted yes was seated

    class Outcome(models.TextChoices):
        PENDING = "", "Not sent yet"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not needed any more"
        STOPPED = "stopped", "Address stopped"
        BOUNCED = "bounced", "Refused by the mail server"

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="mailings")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    lead_minutes = models.PositiveIntegerField(
        default=0, help_text="For a reminder: how long before the start."
    )
    sequence = models.PositiveIntegerField(help_text="The gathering's sequence the email describes.")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True, default=Outcome.PENDING)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "kind", "lead_minutes", "sequence"],
                name="one_mailing_per_invitee_and_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["claimed_at"], name="mailing_pending", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to invitation {self.invitation_id}"


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
    # A yes becomes a prospect in the leader pipeline: this is where their origin gathering is kept.
    prospect = models.ForeignKey(
        "leaders.LeaderProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="attendances"
    )
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
