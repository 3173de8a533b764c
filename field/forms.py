"""The field app's forms: the ID scale on the call and knock screens, and a walk sheet typed in from paper."""

import uuid
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contacts.attempts import DOOR_RESULTS, Attempt, Person, attempt_error
from contacts.models import Channel, ContactAttempt, PartyID

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
    return uuid.uuid5(PAPER_ROWS, salted_hmac("field.paper-row", row, algorithm="sha256").hexdigest())


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
                    required=False, max_length=1, label=f"{voter.display_name}: ID 1-5, R, M or D",
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
            codes = self._codes(data, i, door)
            bad = [
                code for code in codes.values() if code and code not in PAPER_CODES and code not in PAPER_GONE
            ]
            if bad:
                self.add_error(f"row-{i}-result", f"Unknown code “{bad[0]}”: use 1-5, R, M or D.")
        if "sheet_date" not in data:
            return data
        # What the rows would record must keep the rules every attempt keeps; they say what is wrong.
        for i, door in enumerate(self.doors):
            if f"row-{i}-result" in self.errors:
                continue
            for attempt in self._row_attempts(data, i, door):
                error = attempt_error(attempt)
                if error:
                    self.add_error(f"row-{i}-result", error)
                    break
        return data

    @staticmethod
    def _codes(data, i: int, door) -> dict[int, str]:
        return {v.pk: (data.get(f"row-{i}-code-{v.pk}") or "").strip().upper() for v in door.voters}

    def _row_attempts(self, data, i: int, door) -> list[Attempt]:
        """The attempts one row records: its result (with the IDs), and who moved or died."""
        noon = datetime.combine(data["sheet_date"], time(12), tzinfo=timezone.get_current_timezone())
        row = f"{self.leader.pk}/{door.household.pk}/{data['sheet_date'].isoformat()}"
        codes = self._codes(data, i, door)
        ids = [Person(pk, party_id=PAPER_CODES[c]) for pk, c in codes.items() if c in PAPER_CODES]
        result = data[f"row-{i}-result"] or (ContactAttempt.Result.TALKED if ids else "")
        base = {"channel": Channel.PAPER, "device_time": noon, "household_id": door.household.pk}
        attempts = []
        if result:
            client_uuid = paper_row_uuid(f"{row}/{result}")
            attempts.append(Attempt(client_uuid=client_uuid, result=result, people=tuple(ids), **base))
        for code, gone in PAPER_GONE.items():
            people = tuple(Person(pk) for pk, c in codes.items() if c == code)
            if people:
                client_uuid = paper_row_uuid(f"{row}/{gone}")
                attempts.append(Attempt(client_uuid=client_uuid, result=gone, people=people, **base))
        return attempts

    def attempts(self) -> list[Attempt]:
        """Turn the filled-in rows into attempts; a row left blank is a door not yet knocked."""
        return [
            attempt
            for i, door in enumerate(self.doors)
            for attempt in self._row_attempts(self.cleaned_data, i, door)
        ]
