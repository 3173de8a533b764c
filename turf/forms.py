import re

from django import forms

from turf.models import Entry, Turf


class VoterIdsField(forms.CharField):
    """Voter IDs as the voter file prints them, separated by spaces, commas or new lines."""

    widget = forms.Textarea(attrs={"rows": 3, "inputmode": "numeric"})

    def clean(self, value):
        value = super().clean(value)
        parts = [part for part in re.split(r"[\s,;]+", value or "") if part]
        bad = [part for part in parts if not part.isdigit()]
        if bad:
            raise forms.ValidationError(f"Not a Voter ID: {', '.join(bad[:5])}.")
        if len(parts) > 500:
            raise forms.ValidationError("At most 500 voters at a time.")
        return sorted({int(part) for part in parts})


class AddVotersForm(forms.Form):
    voter_ids = VoterIdsField(label="Voter IDs", help_text="From the voter file; one or many.")
    list = forms.ChoiceField(choices=Entry.List.choices, initial=Entry.List.DOOR)


class ChosenVotersForm(forms.Form):
    """Voters ticked on one leader's lists."""

    voters = forms.TypedMultipleChoiceField(coerce=int, label="Voters", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, turf: Turf, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voters"].choices = [(pk, pk) for pk in turf.entries.values_list("voter_id", flat=True)]


class MoveVotersForm(ChosenVotersForm):
    target = forms.ModelChoiceField(queryset=Turf.objects.none(), label="Move to", empty_label=None)

    def __init__(self, *args, turf: Turf, targets, **kwargs):
        super().__init__(*args, turf=turf, **kwargs)
        self.fields["target"].queryset = targets


class LockForm(forms.Form):
    locked = forms.TypedChoiceField(
        choices=[("1", "Lock"), ("0", "Unlock")], coerce=lambda value: value == "1"
    )


class FindMeForm(forms.Form):
    """Enough about a person that only they (and their family) match: never a browse of the file."""

    first_name = forms.CharField(max_length=60)
    last_name = forms.CharField(max_length=60)
    zip_code = forms.RegexField(regex=r"^\d{5}$", label="ZIP code", max_length=5,
                                error_messages={"invalid": "Five digits, please."})  # fmt: skip
    house_number = forms.IntegerField(required=False, min_value=0, help_text="Optional: narrows it down.")


class ClaimForm(forms.Form):
    voter = forms.IntegerField(widget=forms.HiddenInput)


class LinkHomeForm(forms.Form):
    voter_id = forms.IntegerField(label="Voter ID", min_value=1, help_text="The leader's own Voter ID.")
