"""Forms of the leader-management pages: assign a coordinator, deactivate, upload an invitation list."""

from django import forms

from dashboard.leader_import import MAX_BYTES
from dashboard.services import coordinators_for
from leaders.models import LeaderProfile, User


class CoordinatorForm(forms.Form):
    """Choose the coordinator who looks after a leader: one covering the leader's county (or nobody)."""

    coordinator = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")

    def __init__(self, *args, profile: LeaderProfile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = coordinators_for(profile).order_by("first_name", "email")
        self.fields["coordinator"].initial = profile.coordinator_id


class DeactivateForm(forms.Form):
    reason = forms.CharField(max_length=200, help_text="Why, in a few words: it goes on their history.")


class InviteFileForm(forms.Form):
    file = forms.FileField(
        help_text="A CSV whose first line is: first_name,last_name,email,phone,county (county as in the voter file)."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 1024} KB: split it.")
        return upload.read()


class LeaderFilterForm(forms.Form):
    stage = forms.ChoiceField(choices=[("", "Every stage"), *LeaderProfile.Stage.choices], required=False)
    q = forms.CharField(label="Name or email", max_length=100, required=False)
