from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from candidates import mail
from candidates.district import TIER_LABELS, precinct_of
from candidates.eligibility import long_date
from candidates.models import Candidacy, Race

DATE = forms.DateInput(attrs={"type": "date"})


class RaceForm(forms.ModelForm):
    class Meta:
        model = Race
        fields = [
            "office",
            "title",
            "district_type",
            "district_code",
            "election_year",
            "primary_date",
            "general_date",
        ]
        widgets = {"primary_date": DATE, "general_date": DATE}
        help_texts = {
            "district_code": 'As the voter file writes it: "20 LE 003", "25 CN 5", "Boone"; a precinct with '
            'its county, "Boone: 0010". Empty for statewide.'
        }

    def clean(self):
        data = super().clean()
        statewide = data.get("district_type") == Race.DistrictType.STATEWIDE
        code = (data.get("district_code") or "").strip()
        if statewide and code:
            self.add_error("district_code", "A statewide race has no district code: leave it empty.")
        elif not statewide and data.get("district_type") and not code:
            self.add_error("district_code", 'Enter the code as the voter file writes it, e.g. "20 LE 003".')
        elif data.get("district_type") == Race.DistrictType.PRECINCT and not all(precinct_of(code)):
            # Precinct codes repeat from county to county: the county makes one precinct of them.
            self.add_error("district_code", 'Name the county and the precinct: "Boone: 0010".')
        data["district_code"] = code
        primary, general = data.get("primary_date"), data.get("general_date")
        if primary and general and primary >= general:
            self.add_error("primary_date", "The primary comes before the general election.")
        if general and data.get("election_year") and general.year != data["election_year"]:
            self.add_error("election_year", f"The general election is in {general.year}.")
        return data


class CandidacyForm(forms.ModelForm):
    class Meta:
        model = Candidacy
        fields = ["name", "candidate", "is_democrat", "is_incumbent", "status"]
        labels = {"candidate": "Their account", "is_democrat": "Democrat", "is_incumbent": "Incumbent"}

    def __init__(self, *args, race: Race, **kwargs):
        super().__init__(*args, **kwargs)
        self.race = race
        self.fields["candidate"].queryset = (
            get_user_model().objects.filter(role="candidate").order_by("email")
        )
        self.fields["candidate"].required = False

    def clean(self):
        data = super().clean()
        status = data.get("status")
        decided = {Candidacy.Status.WON_PRIMARY, Candidacy.Status.LOST}
        if status in decided and timezone.localdate() <= self.race.primary_date:
            self.add_error(
                "status", f"The primary on {long_date(self.race.primary_date)} has not happened yet."
            )
        if data.get("candidate") and not data.get("is_democrat"):
            self.add_error("candidate", "Only Democratic candidates get an account here.")
        if status == Candidacy.Status.WON_PRIMARY and data.get("is_democrat"):
            winners = self.race.candidacies.filter(status=status, is_democrat=True).exclude(
                pk=self.instance.pk
            )
            if winners.exists():
                self.add_error(
                    "status", f"{winners.first().name} is recorded as the Democrat who won this primary."
                )
        candidate = data.get("candidate")
        if (
            candidate
            and self.race.candidacies.filter(candidate=candidate).exclude(pk=self.instance.pk).exists()
        ):
            self.add_error("candidate", "This account already has a candidacy in this race.")
        return data


class VanExportForm(forms.Form):
    MAX_DAYS = 400

    start = forms.DateField(widget=DATE, label="From")
    end = forms.DateField(widget=DATE, label="To (included)")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end comes on or after the start.")
            elif end - start > timedelta(days=self.MAX_DAYS):
                self.add_error("end", f"At most {self.MAX_DAYS} days at once.")
        return data


class MailListForm(forms.Form):
    """A candidate's mail list: a purpose, and for a custom list the ID tiers to mail."""

    purpose = forms.ChoiceField(
        choices=list(mail.PURPOSES.items()), initial=mail.PERSUASION, widget=forms.RadioSelect
    )
    tiers = forms.TypedMultipleChoiceField(
        choices=list(TIER_LABELS.items()), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Tiers (custom lists only)",
        help_text="Persuasion mails IDs 2-3 and unidentified voters in the model's middle band; GOTV IDs 1-2.",
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("purpose") == mail.CUSTOM and not data.get("tiers"):
            self.add_error("tiers", "Choose at least one tier for a custom list.")
        if data.get("purpose") != mail.CUSTOM:
            data["tiers"] = []
        return data
