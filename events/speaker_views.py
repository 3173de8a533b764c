"""Staff's speaker pages: the roster, the calendar of bookings, and booking a speaker into a gathering."""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contacts.vendor import normalize_phone
from events.models import Booking, Speaker, get_booking_for, get_gathering_for, get_speaker_for
from events.speakers import SpeakerError, bookings_by_week, speaker_book, speaker_unbook

CALENDAR_WEEKS = 8


class SpeakerForm(forms.ModelForm):
    class Meta:
        model = Speaker
        fields = ["name", "email", "phone", "is_active"]
        labels = {"is_active": "Active (can be booked)"}

    def clean_name(self):
        # One line: a name is shown in lists and in email bodies.
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self):
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        number = normalize_phone(typed)
        if number is None:
            raise forms.ValidationError("Enter a ten-digit US phone number, or leave it empty.")
        return number


class BookingForm(forms.Form):
    speaker = forms.ModelChoiceField(queryset=Speaker.objects.active(), empty_label="Choose a speaker")


def _staff_only(user) -> None:
    if not user.is_state_staff:
        raise Http404


@login_required
def speakers(request):
    """The roster of speakers, and a form to add one."""
    _staff_only(request.user)
    form = SpeakerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        speaker = form.save()
        messages.success(request, f"{speaker} added to the speakers.")
        return redirect("events:speakers")
    roster = Speaker.objects.visible_to(request.user)
    return render(request, "events/speakers.html", {"form": form, "roster": roster})


@login_required
def speaker_edit(request, pk):
    """Change a speaker's details, or make them inactive."""
    speaker = get_speaker_for(request.user, pk)
    form = SpeakerForm(request.POST or None, instance=speaker)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{speaker} saved.")
        return redirect("events:speakers")
    upcoming = speaker.bookings.filter(ends_at__gte=timezone.now()).select_related("gathering__host")
    return render(
        request, "events/speaker_edit.html", {"form": form, "speaker": speaker, "upcoming": upcoming}
    )


@login_required
def speaker_calendar(request):
    """Upcoming bookings, week by week."""
    _staff_only(request.user)
    try:
        first_day = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        first_day = timezone.localdate()
    weeks = bookings_by_week(first_day=first_day, weeks=CALENDAR_WEEKS)
    return render(
        request,
        "events/speaker_calendar.html",
        {
            "weeks": weeks,
            "earlier": weeks[0].starts_on - timedelta(weeks=CALENDAR_WEEKS),
            "later": weeks[0].starts_on + timedelta(weeks=CALENDAR_WEEKS),
        },
    )


@login_required
def gathering_speaker(request, pk):
    """Book a speaker into a gathering; a speaker busy elsewhere is named with where and when."""
    _staff_only(request.user)
    gathering = get_gathering_for(request.user, pk)
    booking = Booking.objects.filter(gathering=gathering).select_related("speaker").first()
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            speaker_book(speaker=form.cleaned_data["speaker"], gathering=gathering, booked_by=request.user)
        except SpeakerError as error:
            form.add_error("speaker", str(error))
        else:
            messages.success(
                request, f"{form.cleaned_data['speaker']} is booked; we emailed them the details."
            )
            return redirect("events:gathering", gathering.pk)
    return render(
        request,
        "events/gathering_speaker.html",
        {"gathering": gathering, "booking": booking, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def booking_remove(request, pk):
    """Take the speaker off a gathering."""
    _staff_only(request.user)
    booking = get_booking_for(request.user, pk)
    speaker_unbook(booking=booking)
    messages.success(request, f"{booking.speaker} is no longer booked for that gathering.")
    return redirect("events:gathering", booking.gathering_id)
