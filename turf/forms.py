import re
import uuid
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contacts.models import Channel, ContactAttempt, PartyID
from contacts.services import DOOR_RESULTS, Attempt, Person
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


# The ID scale as tap targets on the call and knock screens; a zero-width space after the slash lets
# "Undecided/Independent" wrap on a narrow phone.
ID_CHOICES = [(value, label.replace("/", "/\u200b")) for value, label in PartyID.Value.choices]


# --- paper entry ----------------------------------------------------------------------------------

# Codes typed per person on a paper row: an ID, a refusal to say, or who moved or died.
PAPER_CODES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "R": PartyID.Value.REFUSED}
PAPER_GONE = {"M": ContactAttempt.Result.MOVED, "D": ContactAttempt.Result.DECEASED}
PAPER_RESULTS = [
    (result, ContactAttempt.Result(result).label)
    for result in DOOR_RESULTS
    if result not in (ContactAttempt.Result.MOVED, ContactAttempt.Result.DECEASED)
]


# The namespace of paper rows' attempt UUIDs (uuid5): fixed, so a row's UUID is the same on every save.
PAPER_ROWS = uuid.UUID("5d0c8f38-3f0e-4d5e-9a43-2b7f0c1e6a11")


def paper_row_uuid(row: str) -> uuid.UUID:
    """Return the attempt UUID of a paper row: the same on every save, and unguessable without the secret key.

    The sync API takes any UUID a leader sends, and a UUID someone else used first refuses the row:
    a UUID anyone could work out from the leader, the door and the date could be used up in advance.
    """
    return uuid.uuid5(PAPER_ROWS, salted_hmac("turf.paper-row", row, algorithm="sha256").hexdigest())


class PaperSheetForm(forms.Form):
    """A walk sheet typed in from paper: a row per door, one code per person.

    A row's attempt UUID comes from what it records: the leader, the door, the sheet's date and the
    result. Saving the same sheet twice (a double click, a reload of the POST, Back and Save on a
    page the browser drew afresh and refilled, perhaps without the IDs) records each row once,
    with the IDs of the first save; a sheet of another day for the same doors is new.
    """

    sheet_date = forms.DateField(
        label="Date on the sheet", widget=forms.DateInput(attrs={"type": "date"}), initial=date.today
    )

    def __init__(self, data=None, *, doors, leader):
        super().__init__(data)
        self.doors = doors
        self.leader = leader
        for i, door in enumerate(doors):
            label = f"Result at {door.household.street_line}"
            self.fields[f"row-{i}-result"] = forms.ChoiceField(
                choices=[("", "—")] + PAPER_RESULTS,
                required=False,
                label=label,
                widget=forms.Select(attrs={"aria-label": label}),
            )
            for voter in door.voters:
                self.fields[f"row-{i}-code-{voter.pk}"] = forms.CharField(
                    required=False, max_length=1, label=f"{voter.full_name}: ID 1-5, R, M or D",
                    widget=forms.TextInput(attrs={"class": "id-input", "autocomplete": "off", "size": 1}),
                )  # fmt: skip

    def door_rows(self):
        """The rows to draw: each door with its bound fields, people in order."""
        return [
            {
                "door": door,
                "result": self[f"row-{i}-result"],
                "codes": [(voter, self[f"row-{i}-code-{voter.pk}"]) for voter in door.voters],
            }
            for i, door in enumerate(self.doors)
        ]

    def clean_sheet_date(self):
        value = self.cleaned_data["sheet_date"]
        today = timezone.localdate()
        if value > today or value < today - timedelta(days=400):
            raise forms.ValidationError(
                "Use the date the doors were knocked: not in the future, not over a year ago."
            )
        return value

    def clean(self):
        data = super().clean()
        for i, door in enumerate(self.doors):
            codes = {v.pk: (data.get(f"row-{i}-code-{v.pk}") or "").strip().upper() for v in door.voters}
            bad = [
                code for code in codes.values() if code and code not in PAPER_CODES and code not in PAPER_GONE
            ]
            if bad:
                self.add_error(f"row-{i}-result", f"Unknown code “{bad[0]}”: use 1-5, R, M or D.")
            result = data.get(f"row-{i}-result")
            if (
                result
                and result != ContactAttempt.Result.TALKED
                and any(c in PAPER_CODES for c in codes.values())
            ):
                self.add_error(
                    f"row-{i}-result", "An ID needs a conversation: choose Talked or clear the IDs."
                )
        return data

    def attempts(self) -> list[Attempt]:
        """Turn the filled-in rows into attempts; a row left blank is a door not yet knocked."""
        data = self.cleaned_data
        noon = datetime.combine(data["sheet_date"], time(12), tzinfo=timezone.get_current_timezone())
        attempts = []
        for i, door in enumerate(self.doors):
            row = f"{self.leader.pk}/{door.household.pk}/{data['sheet_date'].isoformat()}"
            codes = {v.pk: (data.get(f"row-{i}-code-{v.pk}") or "").strip().upper() for v in door.voters}
            ids = [Person(pk, party_id=PAPER_CODES[c]) for pk, c in codes.items() if c in PAPER_CODES]
            result = data[f"row-{i}-result"] or (ContactAttempt.Result.TALKED if ids else "")
            base = {"channel": Channel.PAPER, "device_time": noon, "household_id": door.household.pk}
            if result:
                client_uuid = paper_row_uuid(f"{row}/{result}")
                attempts.append(Attempt(client_uuid=client_uuid, result=result, people=tuple(ids), **base))
            for code, gone in PAPER_GONE.items():
                people = tuple(Person(pk) for pk, c in codes.items() if c == code)
                if people:
                    client_uuid = paper_row_uuid(f"{row}/{gone}")
                    attempts.append(Attempt(client_uuid=client_uuid, result=gone, people=people, **base))
        return attempts
