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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError("The file is empty.")
        return upload


class ReportDecisionForm(forms.Form):
    """A coordinator's confirm or dismiss button on a reported move or death: the page to return to."""

    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class LiftForm(forms.Form):
    """Why a hostile, do-not-contact or phone suppression is lifted: kept with who lifted it, and when."""

    why = forms.CharField(
        label="Why lift it?", max_length=500, strip=True,
        help_text="What you learned, for whoever reads this later.",
    )  # fmt: skip
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
