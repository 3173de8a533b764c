"""Forms for the field app: one attempt as the sync API and the page forms send it, a gathering."""

import re
from datetime import timedelta

from django import forms
from django.utils import timezone

from contacts.models import Channel, ContactAttempt, PartyID
from contacts.services import PERSON_SUPPRESSING, PHONE_SUPPRESSING, RESULTS_BY_CHANNEL, Attempt, Person
from events.models import Gathering, Invitation

Result = ContactAttempt.Result
MAX_PEOPLE = 12
# Offline phones sync days late, and their clocks drift; anything outside this window is a bug.
OLDEST_DEVICE_TIME = timedelta(days=400)
NEWEST_DEVICE_TIME = timedelta(days=1)


def normalize_phone(value: str) -> str:
    """Return ten digits, dropping punctuation and a leading US country code."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


class BatchForm(forms.Form):
    """A form validated by the dozen in one request and never rendered from its bound state."""

    def __init__(self, data, **kwargs):
        # Never rendered: skip the translated label suffix Django looks up for every instance.
        super().__init__(data, label_suffix="", **kwargs)

    def _clean_fields(self):
        # Django's own loop makes a BoundField per field (label, id, initial) only to read the
        # submitted value; a sync batch cleans some three hundred fields, and those BoundFields were
        # a third of its validation time. Same widgets, same Field.clean, same clean_<name> hooks,
        # same errors.
        for name, field in self.fields.items():
            try:
                value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
                self.cleaned_data[name] = field.clean(value)
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except forms.ValidationError as error:
                self.add_error(name, error)


class PersonForm(BatchForm):
    """What was learned about one person at the door or on the phone."""

    voter = forms.IntegerField(min_value=1)
    party_id = forms.TypedChoiceField(
        choices=[("", "")] + list(PartyID.Value.choices), coerce=int, empty_value=None, required=False
    )
    know_them = forms.BooleanField(required=False)
    do_not_contact = forms.BooleanField(required=False)
    phone = forms.CharField(required=False, max_length=20)
    email = forms.EmailField(required=False)

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        if phone and len(phone) != 10:
            raise forms.ValidationError("A phone number has ten digits.")
        return phone

    def to_person(self) -> Person:
        data = self.cleaned_data
        return Person(
            voter_id=data["voter"],
            party_id=data["party_id"],
            know_them=data["know_them"],
            do_not_contact=data["do_not_contact"],
            phone=data["phone"],
        )


class AttemptForm(BatchForm):
    """One call or knock, with the people talked to and an optional invitation."""

    uuid = forms.UUIDField()
    channel = forms.ChoiceField(choices=Channel.choices)
    result = forms.ChoiceField(choices=Result.choices)
    device_time = forms.DateTimeField()
    voter = forms.IntegerField(min_value=1, required=False)
    household = forms.IntegerField(min_value=1, required=False)
    phone = forms.IntegerField(min_value=1, required=False, help_text="The number dialled.")
    note = forms.CharField(required=False, max_length=1000, strip=True)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    gathering = forms.IntegerField(min_value=1, required=False)
    rsvp = forms.ChoiceField(choices=[("", "")] + list(Invitation.Rsvp.choices), required=False)

    def __init__(self, data, *, people: list | None = None):
        super().__init__(data)
        self.people_data = people or []
        self.people_forms: list[PersonForm] = []

    def clean_device_time(self):
        value = self.cleaned_data["device_time"]
        now = timezone.now()
        if not now - OLDEST_DEVICE_TIME <= value <= now + NEWEST_DEVICE_TIME:
            raise forms.ValidationError("The device's clock is far off: check its date and time.")
        return value

    def clean(self):
        data = super().clean()
        if not isinstance(self.people_data, list) or len(self.people_data) > MAX_PEOPLE:
            raise forms.ValidationError(f"people must be a list of at most {MAX_PEOPLE}.")
        for raw in self.people_data:
            form = PersonForm(raw if isinstance(raw, dict) else {})
            if not form.is_valid():
                errors = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in form.errors.items())
                raise forms.ValidationError(f"A person is not valid ({errors}).")
            self.people_forms.append(form)
        channel, result = data.get("channel"), data.get("result")
        if not channel or not result:
            return data
        if result not in RESULTS_BY_CHANNEL[channel]:
            raise forms.ValidationError(
                f"“{Result(result).label}” is not a {Channel(channel).label.lower()} result."
            )
        voter, household = data.get("voter"), data.get("household")
        people = [form.cleaned_data for form in self.people_forms]
        if channel == Channel.PHONE:
            if not voter:
                raise forms.ValidationError("A call needs the voter called.")
            if any(person["voter"] != voter for person in people):
                raise forms.ValidationError("A call can only tell about the voter called.")
        elif not household:
            raise forms.ValidationError("A knock needs the household.")
        if result != Result.TALKED and any(person["party_id"] is not None for person in people):
            raise forms.ValidationError("A party ID needs a conversation: the result must be Talked.")
        if result in PHONE_SUPPRESSING and not data.get("phone"):
            raise forms.ValidationError("Say which number was wrong or disconnected.")
        if result in PERSON_SUPPRESSING and not people:
            raise forms.ValidationError("Say who moved or died.")
        if bool(data.get("gathering")) != bool(data.get("rsvp")):
            raise forms.ValidationError("An invitation needs both the gathering and the answer.")
        if data.get("gathering") and (channel != Channel.PHONE or result != Result.TALKED):
            raise forms.ValidationError("An invitation ends a call in which you talked.")
        return data

    def voter_ids(self) -> set[int]:
        ids = {form.cleaned_data["voter"] for form in self.people_forms}
        if self.cleaned_data.get("voter"):
            ids.add(self.cleaned_data["voter"])
        return ids

    def emails(self) -> list[tuple[int, str]]:
        return [
            (form.cleaned_data["voter"], form.cleaned_data["email"].lower())
            for form in self.people_forms
            if form.cleaned_data["email"]
        ]

    def to_attempt(self) -> Attempt:
        data = self.cleaned_data
        return Attempt(
            client_uuid=data["uuid"],
            channel=data["channel"],
            result=data["result"],
            device_time=data["device_time"],
            voter_id=data["voter"],
            household_id=data["household"],
            phone_id=data["phone"],
            people=tuple(form.to_person() for form in self.people_forms),
            note=data["note"],
            latitude=data["latitude"],
            longitude=data["longitude"],
        )


class _SharedFields(dict):
    """Form fields every instance shares instead of deep-copying.

    A sync batch validates up to a hundred forms, which are never rendered or changed per
    instance; copying their fields for each was most of a sync request's time.
    """

    def __deepcopy__(self, memo):
        return self


PersonForm.base_fields = _SharedFields(PersonForm.base_fields)
AttemptForm.base_fields = _SharedFields(AttemptForm.base_fields)


def attempt_form_from_json(item) -> AttemptForm:
    """Bind an AttemptForm to one item of a sync batch (see the sync view for the format)."""
    if not isinstance(item, dict):
        item = {}
    invite = item.get("invite") if isinstance(item.get("invite"), dict) else {}
    flat = {
        key: value for key, value in item.items() if key not in ("people", "invite") and value is not None
    }
    flat |= {key: invite[key] for key in ("gathering", "rsvp") if invite.get(key) is not None}
    return AttemptForm(flat, people=item.get("people", []))


PERSON_FIELD = re.compile(r"^people-(\d{1,2})-(\w+)$")


def attempt_form_from_post(post) -> AttemptForm:
    """Bind an AttemptForm to a page form posted without JavaScript (fields as the pages name them).

    People come as people-N-field; a person with nothing filled in was not talked to and is left
    out. A per-person button sends result "moved:VOTER" or "deceased:VOTER".
    """
    flat = {key: post.get(key) for key in AttemptForm.base_fields if post.get(key) not in (None, "")}
    flat.setdefault("device_time", timezone.now().isoformat())
    people: dict[int, dict] = {}
    for key in post:
        match = PERSON_FIELD.match(key)
        if match:
            people.setdefault(int(match[1]), {})[match[2]] = post.get(key)
    result, _, subject = (flat.get("result") or "").partition(":")
    flat["result"] = result
    if result != Result.TALKED:
        # A button other than Save was pressed: IDs and an answer picked before it were not said.
        flat.pop("rsvp", None)
        flat.pop("gathering", None)
        for person in people.values():
            person.pop("party_id", None)
    chosen = []
    for _, person in sorted(people.items()):
        said_something = any(
            person.get(name) for name in ("party_id", "know_them", "do_not_contact", "phone", "email")
        )
        if said_something or person.get("voter") == subject:
            chosen.append(person)
    return AttemptForm(flat, people=chosen)


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
