from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from contacts.models import ImportRun


class ImportForm(forms.Form):
    """A data file to import: the voter file, the geocoder's results, phones or scores."""

    kind = forms.ChoiceField(
        label="What is it?", choices=ImportRun.Kind.choices, initial=ImportRun.Kind.VOTERS
    )
    file = forms.FileField(
        help_text=(
            "A PSR voter file (tab-separated, with its header row), the Census geocoder's results "
            f"(CSV), or a vendor's phone or score file (CSV with a header row). Up to "
            f"{filesizeformat(settings.VOTER_FILE_MAX_UPLOAD_BYTES)}."
        )
    )
    dry_run = forms.BooleanField(
        label="Dry run: check the file and count what would change, without changing anything",
        required=False,
        template_name="forms/check.html",
    )
    partial = forms.BooleanField(
        label="Partial extract: add and update voters, never mark anyone no longer registered",
        help_text="Voter file only. Otherwise voters the file leaves out are listed for you to confirm.",
        required=False,
        template_name="forms/check.html",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError("The file is empty.")
        return upload


class ReportDecisionForm(forms.Form):
    """A coordinator's confirm or dismiss button on a reported move or death: the page to return to."""

    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ImportConfirmForm(forms.Form):
    """Staff's explicit yes to unregistering the voters an import's file left out."""

    confirm = forms.BooleanField(
        label="I have checked these numbers: mark the voters this file leaves out no longer registered",
        template_name="forms/check.html",
    )
    full_editions = forms.MultipleChoiceField(
        label="Counties that look partial but are full editions",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, run: ImportRun, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kept = run.kept_counties
        self.within = [county["county"] for county in kept if not county["past_threshold"]]
        self.fields["full_editions"].choices = [
            (
                county["county"],
                f"{county['county']}'s file is its full voter list: mark its {county['missing']:,} missing "
                f"voters ({county['percent']} %) no longer registered",
            )
            for county in kept
            if county["past_threshold"]
        ]
        if not self.fields["full_editions"].choices:
            del self.fields["full_editions"]

    def clean(self):
        data = super().clean()
        if not self.within and not data.get("full_editions"):
            raise forms.ValidationError(
                "Every county this file leaves voters out of looks like a partial extract: tick the ones "
                "whose file is their full voter list, or leave their voters registered."
            )
        return data


class LiftForm(forms.Form):
    """Why a hostile, do-not-contact or phone suppression is lifted: kept with who lifted it, and when."""

    why = forms.CharField(
        label="Why lift it?", max_length=500, strip=True,
        help_text="What you learned, for whoever reads this later.",
    )  # fmt: skip
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
