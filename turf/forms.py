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
    """What only the person knows all together: the answer is "found" or "not found", never a list."""

    first_name = forms.CharField(max_length=60)
    last_name = forms.CharField(max_length=60)
    house_number = forms.IntegerField(
        min_value=0, max_value=999_999, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    street = forms.CharField(max_length=80, help_text="As on your voter card, e.g. N Main St.")
    zip_code = forms.RegexField(regex=r"^\d{5}$", label="ZIP code", max_length=5,
                                error_messages={"invalid": "Five digits, please."})  # fmt: skip
    birth_year = forms.IntegerField(
        min_value=1900, max_value=2100, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )

    def clean_street(self) -> str:
        words = re.sub(r"[^A-Z0-9 ]", " ", self.cleaned_data["street"].upper()).split()
        if not words:
            raise forms.ValidationError("Type your street's name.")
        return " ".join(words)


class ClaimDecisionForm(forms.Form):
    """Staff's or a coordinator's answer to a leader's claim to a voter record."""

    decision = forms.ChoiceField(choices=[("approve", "Approve and cut their turf"), ("reject", "Reject")])


class LinkHomeForm(forms.Form):
    voter_id = forms.IntegerField(label="Voter ID", min_value=1, help_text="The leader's own Voter ID.")
