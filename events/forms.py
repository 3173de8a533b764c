"""The gathering form. Calls and knocks are read by field.attempts and checked by contacts.attempts."""

from django import forms
from django.utils import timezone

from events.models import Gathering


class GatheringForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        label="Starts",
    )

    class Meta:
        model = Gathering
        fields = ["kind", "starts_at", "duration_minutes", "place", "address", "capacity"]
        labels = {"duration_minutes": "Length in minutes"}

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        if value < timezone.now():
            raise forms.ValidationError("Pick a time in the future.")
        return value
