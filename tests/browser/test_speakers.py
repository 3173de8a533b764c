"""Staff on a phone: the speaker calendar reads at 360 px, and a double booking names the other gathering."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Booking, Gathering, Speaker
from events.speakers import speaker_book
from tests.cast import make_gathering
from tests.sign_in import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_book_a_speaker_and_see_the_conflict_and_the_calendar(page, live_server, alice, bob, sam):
    evening = (timezone.now() + timedelta(days=3)).replace(hour=23, minute=0, second=0, microsecond=0)
    first, second = make_gathering(alice), make_gathering(bob)
    Gathering.objects.filter(pk=first.pk).update(starts_at=evening, place="Maryville Public Library")
    Gathering.objects.filter(pk=second.pk).update(
        starts_at=evening + timedelta(hours=2), place="Lions Club hall"
    )
    ada = Speaker.objects.create(name="Ada Lovelace", email="ada@example.org")
    speaker_book(speaker=ada, gathering=Gathering.objects.get(pk=first.pk), booked_by=sam)

    sign_in_browser(page, sam, live_server.url)
    page.goto(f"/gatherings/{second.pk}/")
    page.get_by_role("link", name="Book a speaker").click()
    page.get_by_label("Speaker").select_option(label="Ada Lovelace")
    page.get_by_role("button", name="Book and email them").click()
    page.get_by_text("Ada Lovelace is already booked at “Maryville Public Library”").wait_for()
    assert Booking.objects.get().gathering_id == first.pk
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto("/speakers/calendar/")
    page.get_by_text("Ada Lovelace").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
