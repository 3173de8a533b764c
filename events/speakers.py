"""Booking state-party speakers into gatherings: the travel buffer, conflicts, the speaker's email, the calendar."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from events.calendar import CalendarEvent, ics
from events.models import Booking, Gathering, Speaker

log = logging.getLogger(__name__)

CONSTRAINT = "speaker_in_one_place_at_a_time"


class SpeakerError(Exception):
    """A booking that cannot be made, with a sentence for staff."""


class SpeakerConflict(SpeakerError):
    """The speaker is busy elsewhere (travel included) at that time."""

    def __init__(self, speaker: Speaker, clash: Booking | None):
        self.clash = clash
        if clash is None:  # the other booking was removed again before we could read it
            super().__init__(f"{speaker} was just booked elsewhere at that time: try again.")
            return
        other = clash.gathering
        starts, ends = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
        super().__init__(
            f"{speaker} is already booked at “{other.place}” ({other.get_kind_display()}, hosted by "
            f"{other.host}) on {starts:%a %b %-d}, {starts:%-I:%M %p}–{ends:%-I:%M %p}, counting "
            f"{settings.SPEAKER_TRAVEL_MINUTES} minutes of travel before and after each gathering."
        )


def _busy(starts_at: datetime, ends_at: datetime) -> DateTimeTZRange:
    travel = timedelta(minutes=settings.SPEAKER_TRAVEL_MINUTES)
    return DateTimeTZRange(starts_at - travel, ends_at + travel)


def _conflict(error: IntegrityError, speaker: Speaker, busy: DateTimeTZRange, gathering: Gathering):
    """Turn the exclusion constraint's refusal into a SpeakerConflict naming the other booking."""
    diag = getattr(error.__cause__, "diag", None)
    if getattr(diag, "constraint_name", None) != CONSTRAINT:
        raise error
    clash = (
        Booking.objects.filter(speaker=speaker, busy__overlap=busy)
        .exclude(gathering=gathering)
        .select_related("gathering__host")
        .first()
    )
    return SpeakerConflict(speaker, clash)


def speaker_book(*, speaker: Speaker, gathering: Gathering, booked_by) -> Booking:
    """Book a speaker into a gathering (in place of any speaker it had) and email them the .ics.

    The database refuses a second booking that overlaps one of the speaker's, travel included,
    even when two staff book at the same moment: that refusal becomes a SpeakerConflict.
    """
    if not speaker.is_active:
        raise SpeakerError(f"{speaker} is not an active speaker.")
    if gathering.is_cancelled:
        raise SpeakerError("That gathering was cancelled.")
    if gathering.starts_at < timezone.now():
        raise SpeakerError("That gathering is over.")
    starts_at, ends_at = gathering.starts_at, gathering.ends_at
    busy = _busy(starts_at, ends_at)
    try:
        with transaction.atomic():
            # Lock the gathering: two staff giving it different speakers take turns.
            Gathering.objects.select_for_update().filter(pk=gathering.pk).first()
            Booking.objects.filter(gathering=gathering).delete()
            booking = Booking.objects.create(
                speaker=speaker,
                gathering=gathering,
                starts_at=starts_at,
                ends_at=ends_at,
                busy=busy,
                booked_by=booked_by,
            )
    except IntegrityError as error:
        raise _conflict(error, speaker, busy, gathering) from error
    transaction.on_commit(lambda: send_booking_email(booking.pk))
    return booking


def speaker_unbook(*, booking: Booking) -> None:
    """Take a speaker off a gathering."""
    booking.delete()


def speaker_bookings_follow(*, gathering: Gathering) -> None:
    """Keep a gathering's booking in step after its time changed or it was cancelled.

    Call it inside the transaction that saves the gathering: a move that would put the speaker in
    two places raises SpeakerConflict, and the caller's transaction rolls the move back with it.
    """
    booking = Booking.objects.filter(gathering=gathering).select_related("speaker").first()
    if booking is None:
        return
    booking.gathering = gathering
    if gathering.is_cancelled:
        # The speaker's calendar entry is cancelled by a file sent before the booking goes.
        message = _booking_message(booking)
        booking.delete()
        transaction.on_commit(lambda: _send(message, booking.speaker_id))
        return
    starts_at, ends_at = gathering.starts_at, gathering.ends_at
    if (booking.starts_at, booking.ends_at) == (starts_at, ends_at):
        return
    booking.starts_at, booking.ends_at, booking.busy = starts_at, ends_at, _busy(starts_at, ends_at)
    try:
        with transaction.atomic():
            booking.save(update_fields=["starts_at", "ends_at", "busy"])
    except IntegrityError as error:
        raise _conflict(error, booking.speaker, booking.busy, gathering) from error
    transaction.on_commit(lambda: send_booking_email(booking.pk))


def _calendar_event(booking: Booking) -> CalendarEvent:
    gathering = booking.gathering
    return CalendarEvent(
        # The speaker's own entry, apart from the guests' one: it follows the gathering's changes.
        uid=f"{gathering.uid}-speaker@{settings.SITE_NAME.lower().replace(' ', '-')}",
        sequence=gathering.sequence,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=f"Speak at: {gathering.get_kind_display()}, {gathering.place}",
        location=", ".join(part for part in (gathering.place, gathering.address) if part),
        description=f"Hosted by {gathering.host}. Booked by {settings.PARTY_NAME} staff.",
        cancelled=gathering.is_cancelled,
    )


def _booking_message(booking: Booking) -> EmailMessage:
    """The speaker's email about their booking, with the .ics: a new time, or a cancellation."""
    gathering = booking.gathering
    starts = timezone.localtime(booking.starts_at)
    ends = timezone.localtime(booking.ends_at)
    kind = gathering.get_kind_display().lower()
    # The subject holds no typed text: a place name with a newline must not reach a mail header.
    if gathering.is_cancelled:
        subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Cancelled: your talk on {starts:%A, %B %-d}"
        lead = f"The {kind} hosted by {gathering.host} that you were booked to speak at is cancelled."
    else:
        subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You are speaking on {starts:%A, %B %-d}"
        lead = f"You are booked to speak at a {kind} hosted by {gathering.host}."
    body = (
        f"Hello {booking.speaker.name},\n\n{lead}\n\n"
        f"When: {starts:%A, %B %-d}, {starts:%-I:%M %p} to {ends:%-I:%M %p}\n"
        f"Where: {gathering.place}{', ' + gathering.address if gathering.address else ''}\n\n"
        "The attached file updates your calendar.\n"
    )
    message = EmailMessage(subject, body, to=[booking.speaker.email])
    message.attach("gathering.ics", ics(_calendar_event(booking), now=timezone.now()), "text/calendar")
    return message


def _send(message: EmailMessage, speaker_id: int) -> None:
    try:
        message.send()
    except (SMTPException, OSError):
        log.exception("The booking email to speaker %s could not be sent", speaker_id)


def send_booking_email(booking_pk: int) -> None:
    """Email the speaker their booking with an .ics; a mail server that is down is logged, not raised."""
    booking = Booking.objects.filter(pk=booking_pk).select_related("speaker", "gathering__host").first()
    if booking is not None:
        _send(_booking_message(booking), booking.speaker_id)


@dataclass(frozen=True)
class Week:
    starts_on: date
    bookings: list[Booking]


def bookings_by_week(*, first_day: date, weeks: int) -> list[Week]:
    """Return the bookings from the Monday of first_day's week on, week by week, in the party's time zone."""
    monday = first_day - timedelta(days=first_day.weekday())
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(monday + timedelta(weeks=weeks), datetime.min.time(), tzinfo=zone)
    bookings = (
        Booking.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("speaker", "gathering__host")
        .order_by("starts_at")
    )
    calendar = [Week(monday + timedelta(weeks=n), []) for n in range(weeks)]
    for booking in bookings:
        calendar[(timezone.localtime(booking.starts_at).date() - monday).days // 7].bookings.append(booking)
    return calendar
