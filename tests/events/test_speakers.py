"""Speakers: the roster, booking with a travel buffer, the database refusing overlaps, the email, the calendar."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from events.models import Booking, Gathering, Speaker
from events.speakers import SpeakerConflict, SpeakerError, speaker_book, speaker_bookings_follow
from tests.cast import make_client, make_gathering


@pytest.fixture
def ada(db):
    return Speaker.objects.create(name="Ada Lovelace", email="ada@example.org")


def at(gathering, starts_at, minutes=90):
    Gathering.objects.filter(pk=gathering.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes)
    )
    gathering.refresh_from_db()
    return gathering


@pytest.fixture
def evening():
    return (timezone.now() + timedelta(days=5)).replace(hour=23, minute=0, second=0, microsecond=0)


def test_staff_book_a_speaker_and_the_speaker_gets_the_ics(
    sam, alice, ada, mailoutbox, django_capture_on_commit_callbacks
):
    gathering = make_gathering(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(sam).post(
            reverse("events:gathering_speaker", args=[gathering.pk]), {"speaker": ada.pk}
        )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.speaker, booking.starts_at, booking.ends_at) == (
        ada, gathering.starts_at, gathering.starts_at + timedelta(minutes=90),
    )  # fmt: skip
    assert booking.busy.lower == gathering.starts_at - timedelta(minutes=60)
    [email] = mailoutbox
    assert email.to == ["ada@example.org"]
    [(name, body, mimetype)] = email.attachments
    assert (name, mimetype) == ("gathering.ics", "text/calendar")
    assert f"DTSTART:{gathering.starts_at.astimezone(timezone.UTC):%Y%m%dT%H%M%SZ}\r\n" in body
    assert "LOCATION:The Lions Club\r\n" in body


def test_the_host_sees_who_is_coming_to_speak(alice, sam, ada):
    gathering = make_gathering(alice)
    speaker_book(speaker=ada, gathering=gathering, booked_by=sam)
    page = make_client(alice).get(reverse("events:gathering", args=[gathering.pk])).content.decode()
    assert "Ada Lovelace" in page
    assert "is coming to speak" in page
    assert reverse("events:gathering_speaker", args=[gathering.pk]) not in page  # booking is staff's


def test_a_speaker_cannot_be_in_two_places_counting_travel(alice, bob, sam, ada, evening):
    first = at(make_gathering(alice), evening)
    second = at(make_gathering(bob), evening + timedelta(minutes=90 + 45))  # 45 minutes after the first ends
    speaker_book(speaker=ada, gathering=first, booked_by=sam)
    response = make_client(sam).post(
        reverse("events:gathering_speaker", args=[second.pk]), {"speaker": ada.pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ada Lovelace is already booked at “The Lions Club”" in page
    assert "hosted by Alice" in page
    assert f"{timezone.localtime(evening):%-I:%M %p}" in page
    assert "60 minutes of travel before and after each gathering" in page
    assert Booking.objects.get().gathering == first


def test_far_enough_apart_is_fine(alice, bob, sam, ada, evening, settings):
    first = at(make_gathering(alice), evening)
    # An hour after one gathering and an hour before the next: two hours between them.
    second = at(make_gathering(bob), evening + timedelta(minutes=90 + 120))
    speaker_book(speaker=ada, gathering=first, booked_by=sam)
    speaker_book(speaker=ada, gathering=second, booked_by=sam)
    assert Booking.objects.count() == 2
    settings.SPEAKER_TRAVEL_MINUTES = 0
    # The second keeps the buffer it was booked with; the third, booked now, has none.
    third = at(make_gathering(bob), evening + timedelta(minutes=90 + 120 + 90 + 60))
    speaker_book(speaker=ada, gathering=third, booked_by=sam)
    assert Booking.objects.count() == 3


def test_two_staff_booking_at_the_same_moment_cannot_both_succeed(
    alice, bob, sam, ada, evening, transactional_db
):
    gatherings = [
        at(make_gathering(alice), evening),
        at(make_gathering(bob), evening + timedelta(minutes=30)),
    ]
    ready = threading.Barrier(2)
    outcomes = []

    def book(gathering):
        try:
            ready.wait()
            speaker_book(speaker=ada, gathering=gathering, booked_by=sam)
            outcomes.append("booked")
        except SpeakerConflict as conflict:
            outcomes.append(str(conflict))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=[gathering]) for gathering in gatherings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [refused] = [outcome for outcome in outcomes if outcome != "booked"]
    assert refused.startswith("Ada Lovelace is already booked at “The Lions Club”")
    assert outcomes.count("booked") == 1
    assert Booking.objects.count() == 1


def test_moving_a_gathering_moves_its_booking_or_is_refused(
    alice, bob, sam, ada, evening, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    from events.services import gathering_cancel, gathering_update

    first = at(make_gathering(alice), evening)
    second = at(make_gathering(bob), evening + timedelta(days=1))
    speaker_book(speaker=ada, gathering=first, booked_by=sam)
    speaker_book(speaker=ada, gathering=second, booked_by=sam)

    def move_to(starts_at):
        moved = Gathering.objects.get(pk=first.pk)
        moved.starts_at, moved.ends_at = starts_at, starts_at + timedelta(minutes=90)
        return gathering_update(gathering=moved)

    move_to(evening + timedelta(hours=3))
    assert Booking.objects.get(gathering=first).starts_at == evening + timedelta(hours=3)
    # Onto the speaker's other evening: refused, and neither the gathering nor the booking moves.
    with pytest.raises(ValidationError, match="clashes with the speaker"):
        move_to(evening + timedelta(days=1, minutes=30))
    assert Gathering.objects.get(pk=first.pk).starts_at == evening + timedelta(hours=3)
    assert Booking.objects.get(gathering=first).starts_at == evening + timedelta(hours=3)
    with pytest.raises(SpeakerConflict):  # the service alone refuses the same move
        first.refresh_from_db()
        first.starts_at, first.ends_at = evening + timedelta(days=1), evening + timedelta(days=1, hours=1)
        speaker_bookings_follow(gathering=first)
    # A cancelled gathering frees its speaker, who is told by a cancellation in their calendar.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        gathering_cancel(gathering=Gathering.objects.get(pk=first.pk))
    assert not Booking.objects.filter(gathering=first).exists()
    [email] = mail.outbox
    assert "Cancelled: your talk" in email.subject and "METHOD:CANCEL" in email.attachments[0][1]


def test_an_inactive_speaker_or_a_past_gathering_cannot_be_booked(alice, sam, ada):
    ada.is_active = False
    ada.save()
    with pytest.raises(SpeakerError, match="not an active speaker"):
        speaker_book(speaker=ada, gathering=make_gathering(alice), booked_by=sam)
    ada.is_active = True
    ada.save()
    with pytest.raises(SpeakerError, match="over"):
        speaker_book(speaker=ada, gathering=make_gathering(alice, days=-1), booked_by=sam)
    assert Booking.objects.count() == 0


def test_booking_another_speaker_replaces_the_first(alice, sam, ada):
    gathering = make_gathering(alice)
    grace = Speaker.objects.create(name="Grace Hopper", email="grace@example.org")
    speaker_book(speaker=ada, gathering=gathering, booked_by=sam)
    speaker_book(speaker=grace, gathering=gathering, booked_by=sam)
    assert Booking.objects.get().speaker == grace


def test_staff_keep_the_roster(sam):
    client = make_client(sam)
    response = client.post(reverse("events:speakers"), {"name": "Ada\nLovelace", "email": "ada@example.org",
                                                         "phone": "660-555-0100", "is_active": "on"})  # fmt: skip
    assert response.status_code == 302
    speaker = Speaker.objects.get()
    assert (speaker.name, speaker.phone) == ("Ada Lovelace", "6605550100")
    response = client.post(
        reverse("events:speakers"), {"name": "Bad", "email": "bad@example.org", "phone": "12"}
    )
    assert "ten-digit" in response.content.decode()
    assert Speaker.objects.count() == 1


def test_the_calendar_lists_bookings_by_week(alice, sam, ada, evening):
    gathering = at(make_gathering(alice), evening)
    speaker_book(speaker=ada, gathering=gathering, booked_by=sam)
    page = make_client(sam).get(reverse("events:speaker_calendar")).content.decode()
    assert "Ada Lovelace" in page
    assert page.count("Week of") == 8


def test_leaders_and_coordinators_do_not_reach_the_speakers(alice, carol, ada):
    for user in (alice, carol):
        assert make_client(user).get(reverse("events:speakers")).status_code == 404
        assert make_client(user).get(reverse("events:speaker_edit", args=[ada.pk])).status_code == 404
