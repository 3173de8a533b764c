from django import forms

from dashboard.charts import MAP_MEASURES
from dashboard.coverage import SORTS
from dashboard.models import AUTHORITY_CHOICES, Goal

SORT_CHOICES = [(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS]


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["due", "active_leaders", "county", "house_district"]
        widgets = {"due": forms.DateInput(attrs={"type": "date"})}
        labels = {"due": "By", "active_leaders": "Active leaders"}

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.cycle = cycle
        self.fields["county"].required = False

    def clean_house_district(self):
        return " ".join(self.cleaned_data["house_district"].upper().split())

    def clean(self):
        data = super().clean()
        if data.get("county") and data.get("house_district"):
            raise forms.ValidationError("A goal is for a county or for a house district, not both.")
        same = Goal.objects.filter(
            cycle=self.instance.cycle,
            due=data.get("due"),
            county=data.get("county", ""),
            house_district=data.get("house_district", ""),
        ).exclude(pk=self.instance.pk)
        if data.get("due") and same.exists():
            raise forms.ValidationError("There is a goal for that date and place already: change that one.")
        return data


class CoverageForm(forms.Form):
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    map = forms.ChoiceField(
        choices=[(key, label) for key, (label, _, _) in MAP_MEASURES.items()], required=False
    )


class CountyClassForm(forms.Form):
    CHOICES = [("rural", "Rural"), ("urban", "Urban"), ("default", "By density")]
    county = forms.ChoiceField(choices=[("", "County…"), *AUTHORITY_CHOICES], label="County")
    classed = forms.ChoiceField(choices=CHOICES, label="Class")
    note = forms.CharField(
        max_length=200, required=False, label="Why", widget=forms.TextInput(attrs={"placeholder": "Why"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)

    @property
    def is_rural(self) -> bool | None:
        return {"default": None, "rural": True, "urban": False}[self.cleaned_data["classed"]]
