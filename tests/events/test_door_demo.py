"""The demo shows the door after an evening: check-ins, walk-ins, answers to the ask, a booked speaker."""

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from events.models import Attendee, Booking
from leaders.demo import demo_email
from leaders.models import User
from tests.cast import make_client


def test_the_demo_has_a_past_gathering_with_check_ins_walk_ins_and_asks(db):
    call_command("make_demo_data", "--force", "--voters", "1500", stdout=StringIO(), stderr=StringIO())
    alice = User.objects.get(email=demo_email("alice"))
    attendees = Attendee.objects.filter(gathering__host=alice)
    assert attendees.filter(origin="invited").count() == 4
    assert attendees.filter(origin="walk_in", voter__isnull=False).count() == 1  # matched by address
    assert attendees.filter(origin="walk_in", voter__isnull=True).count() == 1  # a guest
    assert set(attendees.values_list("ask", flat=True)) == {"yes", "maybe", "no", "not_asked"}
    past = attendees.first().gathering
    assert past.held_at is not None
    booking = Booking.objects.get()
    assert booking.gathering.host == alice
    page = make_client(alice).get(reverse("field:door", args=[past.pk])).content.decode()
    assert "Terry Newcomer" in page
    assert (
        booking.speaker.name
        in make_client(alice).get(reverse("events:gathering", args=[booking.gathering_id])).text
    )
