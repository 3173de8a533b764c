"""The host's gathering and invitation forms, and the invitee's answer. Calls are read by field.attempts."""

from datetime import UTC, date, datetime, time

from django import forms
from django.utils import timezone

from events.models import Gathering, Invitation


def party_time(day: date, wall: time) -> datetime | None:
    """Return the aware moment a wall-clock time on a day has in the party's time zone, None if it never happens.

    On the spring DST change 2:30 AM does not exist; on the autumn one 1:30 AM happens twice and
    means the first (daylight) one. Times are stored in UTC, so a gathering at 7 PM on a change day
    stays at 7 PM local.
    """
    zone = timezone.get_default_timezone()
    moment = datetime.combine(day, wall, tzinfo=zone)
    round_trip = moment.astimezone(UTC).astimezone(zone)
    if (round_trip.date(), round_trip.time()) != (day, wall):
        return None
    return moment


def single_line(value: str) -> str:
    """Refuse line breaks in a one-line field: they would break an email subject or a calendar entry."""
    if "\n" in value or "\r" in value:
        raise forms.ValidationError("Keep this on one line.")
    return value.strip()


class GatheringForm(forms.ModelForm):
    """A gathering's kind, day, start and end in the party's time zone, place, room and notes."""

    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label="Day")
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Starts")
    end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Ends")

    class Meta:
        model = Gathering
        fields = ["kind", "day", "start", "end", "place", "address", "capacity", "notes", "accessibility"]
        labels = {"notes": "Notes for guests", "accessibility": "Accessibility"}
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            starts, ends = (
                timezone.localtime(self.instance.starts_at),
                timezone.localtime(self.instance.ends_at),
            )
            self.initial.update(day=starts.date(), start=starts.time(), end=ends.time())

    def clean_place(self):
        return single_line(self.cleaned_data["place"])

    def clean_address(self):
        return single_line(self.cleaned_data["address"])

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("day"), cleaned.get("start"), cleaned.get("end")
        if day is None or start is None or end is None:
            return cleaned
        starts_at, ends_at = party_time(day, start), party_time(day, end)
        if starts_at is None:
            self.add_error("start", f"{start:%-I:%M %p} does not exist on {day:%b %-d}: the clocks skip it.")
        if ends_at is None:
            self.add_error("end", f"{end:%-I:%M %p} does not exist on {day:%b %-d}: the clocks skip it.")
        if starts_at is None or ends_at is None:
            return cleaned
        if ends_at <= starts_at:
            self.add_error("end", "The end must be after the start.")
        elif starts_at < timezone.now():
            self.add_error("day", "Pick a time in the future.")
        else:
            self.instance.starts_at, self.instance.ends_at = starts_at, ends_at
        return cleaned


class InviteForm(forms.Form):
    """Neighbors from the host's call list and door list, ticked to invite."""

    voters = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple, label="Invite")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voters"].choices = choices


class AnswerForm(forms.Form):
    """The invitee's answer, and where to send a reminder if they want one."""

    rsvp = forms.ChoiceField(
        choices=[
            (value, label) for value, label in Invitation.Rsvp.choices if value != Invitation.Rsvp.INVITED
        ],
        widget=forms.RadioSelect,
        label="Will you come?",
    )
    email = forms.EmailField(required=False, label="Email for a reminder (optional)")
    phone = forms.CharField(required=False, max_length=30, label="Phone (optional)")

    def clean_phone(self):
        value = single_line(self.cleaned_data["phone"])
        digits = "".join(ch for ch in value if ch.isdigit())
        if value and not 7 <= len(digits) <= 15:
            raise forms.ValidationError("Enter a phone number with its area code, like 660-555-0134.")
        if value and set(value) - set("0123456789+-(). "):
            raise forms.ValidationError("A phone number has only digits, spaces and + - ( ) .")
        return value
