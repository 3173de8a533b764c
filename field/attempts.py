"""Reading one call or knock as the field app sends it, and checking it against the leader's lists.

The sync API reads JSON items and the pages post forms; both come here, so one set of rules
(DESIGN.md section 5) decides what is recorded. This is plain Python rather than a Django form:
a sync batch checks up to a hundred attempts, and forms cost a fifth of a sync request.
"""

import math
import re
import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from contacts.models import Channel, ContactAttempt, PartyID, Phone
from contacts.services import PERSON_SUPPRESSING, PHONE_SUPPRESSING, RESULTS_BY_CHANNEL, Attempt, Person
from contacts.vendor import normalize_phone
from events.models import Gathering, Invitation
from events.services import FieldAttempt
from turf.models import listed_targets

Result = ContactAttempt.Result
MAX_PEOPLE = 12
MAX_NOTE = 1000
MAX_ID = 2**63 - 1  # PostgreSQL's bigint
# Offline phones sync days late, and their clocks drift; anything outside this window is a bug.
OLDEST_DEVICE_TIME = timedelta(days=400)
NEWEST_DEVICE_TIME = timedelta(days=1)
CHANNELS = frozenset(Channel.values)
RESULTS = frozenset(Result.values)
PARTY_IDS = {str(value): value for value in PartyID.Value.values}
RSVPS = frozenset(Invitation.Rsvp.values)
FALSE_WORDS = frozenset({"", "false", "0", "off", "no"})
PERSON_FIELD = re.compile(r"^people-(\d{1,2})-(\w+)$")
POSTED_FIELDS = ("uuid", "channel", "result", "device_time", "voter", "household", "phone", "note",
                 "latitude", "longitude", "gathering", "rsvp")  # fmt: skip


class AttemptError(ValueError):
    """An attempt that breaks a rule, with a sentence for the person who sent it."""


class _Fields:
    """Reads the fields of one JSON object, collecting an error per bad field instead of stopping."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.errors: list[str] = []

    def fail(self, name: str, message: str) -> None:
        self.errors.append(f"{name}: {message}")

    def given(self, name: str):
        value = self.data.get(name)
        return None if value is None or value == "" else value

    def required(self, name: str):
        value = self.given(name)
        if value is None:
            self.fail(name, "This field is required.")
        return value

    def choice(self, name: str, choices: frozenset, *, required: bool = True) -> str:
        value = self.required(name) if required else self.given(name)
        if value is None:
            return ""
        if not isinstance(value, str) or value not in choices:
            self.fail(name, f"{value} is not one of the available choices.")
            return ""
        return value

    def id(self, name: str, *, required: bool = False) -> int | None:
        value = self.required(name) if required else self.given(name)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value)
        if type(value) is not int or not 1 <= value <= MAX_ID:
            self.fail(name, "Enter a whole number of 1 or more.")
            return None
        return value

    def number(self, name: str, limit: float) -> float | None:
        value = self.given(name)
        if value is None:
            return None
        try:
            number = (
                float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
            )
        except ValueError:
            number = None
        if number is None or not math.isfinite(number) or not -limit <= number <= limit:
            self.fail(name, f"Enter a number between -{limit:g} and {limit:g}.")
            return None
        return number

    def text(self, name: str, max_length: int) -> str:
        value = self.given(name)
        if value is None:
            return ""
        value = str(value).strip()
        if "\x00" in value:
            self.fail(name, "Null characters are not allowed.")
        elif len(value) > max_length:
            self.fail(name, f"Keep it to {max_length} characters (it has {len(value)}).")
        return value

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, str):
            return value.strip().lower() not in FALSE_WORDS
        return bool(value)

    def uuid(self, name: str) -> uuid.UUID | None:
        value = self.required(name)
        if value is None:
            return None
        try:
            return uuid.UUID(value) if isinstance(value, str) else uuid.UUID(str(value))
        except ValueError:
            self.fail(name, "Enter a valid UUID.")
            return None

    def device_time(self, name: str) -> datetime | None:
        value = self.required(name)
        if value is None:
            return None
        try:
            moment = parse_datetime(value.strip()) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            self.fail(name, "Enter a date and time (ISO 8601).")
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        now = timezone.now()
        if not now - OLDEST_DEVICE_TIME <= moment <= now + NEWEST_DEVICE_TIME:
            self.fail(name, "The device's clock is far off: check its date and time.")
            return None
        return moment


def _read_person(raw) -> tuple[Person, str]:
    """Read one person talked to; return them and the email learned ("" if none)."""
    fields = _Fields(raw if isinstance(raw, dict) else {})
    voter = fields.id("voter", required=True)
    party_id = fields.given("party_id")
    if party_id is not None:
        party_id = PARTY_IDS.get(str(party_id).strip())
        if party_id is None:
            fields.fail("party_id", f"{raw.get('party_id')} is not one of the available choices.")
    phone = fields.text("phone", 20)
    if not any(character.isdigit() for character in phone):
        phone = ""  # "n/a", "none": no number learned
    else:
        phone = normalize_phone(phone)
        if phone is None:
            fields.fail("phone", "Enter a US phone number: ten digits, area code first.")
    email = fields.text("email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            fields.fail("email", "Enter a valid email address.")
    if fields.errors:
        raise AttemptError(f"A person is not valid ({'; '.join(fields.errors)}).")
    person = Person(
        voter_id=voter,
        party_id=party_id,
        know_them=fields.flag("know_them"),
        do_not_contact=fields.flag("do_not_contact"),
        phone=phone or "",
    )
    return person, email.lower()


def _check_rules(attempt: Attempt, gathering: int | None, rsvp: str) -> None:
    """The rules that tie one attempt's fields together (DESIGN.md section 5)."""
    channel, result, people = attempt.channel, attempt.result, attempt.people
    if result not in RESULTS_BY_CHANNEL[channel]:
        raise AttemptError(f"“{Result(result).label}” is not a {Channel(channel).label.lower()} result.")
    if channel == Channel.PHONE:
        if not attempt.voter_id:
            raise AttemptError("A call needs the voter called.")
        if any(person.voter_id != attempt.voter_id for person in people):
            raise AttemptError("A call can only tell about the voter called.")
    elif not attempt.household_id:
        raise AttemptError("A knock needs the household.")
    if result != Result.TALKED and any(person.party_id is not None for person in people):
        raise AttemptError("A party ID needs a conversation: the result must be Talked.")
    if result in PHONE_SUPPRESSING and not attempt.phone_id:
        raise AttemptError("Say which number was wrong or disconnected.")
    if result in PERSON_SUPPRESSING and not people:
        raise AttemptError("Say who moved or died.")
    if bool(gathering) != bool(rsvp):
        raise AttemptError("An invitation needs both the gathering and the answer.")
    if gathering and (channel != Channel.PHONE or result != Result.TALKED):
        raise AttemptError("An invitation ends a call in which you talked.")


def read_attempt(item) -> FieldAttempt:
    """Read one item of a sync batch (see the sync view for the format); raise AttemptError."""
    if not isinstance(item, dict):
        raise AttemptError("An attempt must be a JSON object.")
    fields = _Fields(item)
    invite = item.get("invite") if isinstance(item.get("invite"), dict) else {}
    client_uuid = fields.uuid("uuid")
    channel = fields.choice("channel", CHANNELS)
    result = fields.choice("result", RESULTS)
    device_time = fields.device_time("device_time")
    voter, household, phone = fields.id("voter"), fields.id("household"), fields.id("phone")
    note = fields.text("note", MAX_NOTE)
    latitude, longitude = fields.number("latitude", 90), fields.number("longitude", 180)
    invited = _Fields(invite)
    gathering, rsvp = invited.id("gathering"), invited.choice("rsvp", RSVPS, required=False)
    errors = fields.errors + invited.errors
    if errors:
        raise AttemptError(" ".join(errors))
    people_data = item.get("people") or []
    if not isinstance(people_data, list) or len(people_data) > MAX_PEOPLE:
        raise AttemptError(f"people must be a list of at most {MAX_PEOPLE}.")
    people, emails = [], []
    for raw in people_data:
        person, email = _read_person(raw)
        people.append(person)
        if email:
            emails.append((person.voter_id, email))
    attempt = Attempt(
        client_uuid=client_uuid, channel=channel, result=result, device_time=device_time, voter_id=voter,
        household_id=household, phone_id=phone, people=tuple(people), note=note, latitude=latitude,
        longitude=longitude,
    )  # fmt: skip
    _check_rules(attempt, gathering, rsvp)
    return FieldAttempt(attempt=attempt, gathering_id=gathering, rsvp=rsvp, emails=tuple(emails))


def read_posted_attempt(post) -> FieldAttempt:
    """Read an attempt posted by a page form without JavaScript (fields as the pages name them).

    People come as people-N-field; a person with nothing filled in was not talked to and is left
    out. A per-person button sends result "moved:VOTER" or "deceased:VOTER".
    """
    item = {key: post.get(key) for key in POSTED_FIELDS if post.get(key) not in (None, "")}
    item.setdefault("device_time", timezone.now().isoformat())
    people: dict[int, dict] = {}
    for key in post:
        match = PERSON_FIELD.match(key)
        if match:
            people.setdefault(int(match[1]), {})[match[2]] = post.get(key)
    result, _, subject = (item.get("result") or "").partition(":")
    item["result"] = result
    invite = {"gathering": item.pop("gathering", None), "rsvp": item.pop("rsvp", None)}
    if result == Result.TALKED:
        item["invite"] = invite
    else:
        # A button other than Save was pressed: IDs and an answer picked before it were not said.
        for person in people.values():
            person.pop("party_id", None)
    chosen = []
    for _, person in sorted(people.items()):
        said_something = any(
            person.get(name) for name in ("party_id", "know_them", "do_not_contact", "phone", "email")
        )
        if said_something or person.get("voter") == subject:
            chosen.append(person)
    item["people"] = chosen
    return read_attempt(item)


def scope_errors(user, items: list[FieldAttempt]) -> dict[int, str]:
    """Check every voter, household, number and gathering against the user's lists, in a few queries.

    Out of scope reads like missing: the error never says whose list a voter is on.
    """
    voter_ids, household_ids, phone_ids, gathering_ids = set(), set(), set(), set()
    for item in items:
        attempt = item.attempt
        voter_ids.update(person.voter_id for person in attempt.people)
        if attempt.voter_id:
            voter_ids.add(attempt.voter_id)
        if attempt.household_id:
            household_ids.add(attempt.household_id)
        if attempt.phone_id:
            phone_ids.add(attempt.phone_id)
        if item.gathering_id:
            gathering_ids.add(item.gathering_id)
    listed, households = {}, set()
    for voter_id, household_id in listed_targets(user, voter_ids, household_ids):
        listed[voter_id] = household_id
        households.add(household_id)
    phones = dict(Phone.objects.filter(pk__in=phone_ids).values_list("pk", "voter_id")) if phone_ids else {}
    gatherings = (
        set(Gathering.objects.visible_to(user).filter(pk__in=gathering_ids).values_list("pk", flat=True))
        if gathering_ids
        else set()
    )
    errors = {}
    for index, item in enumerate(items):
        attempt = item.attempt
        named = [person.voter_id for person in attempt.people]
        missing = sorted(v for v in {*named, attempt.voter_id} if v and v not in listed)
        if missing:
            errors[index] = f"Voter {missing[0]} is not on your lists."
        elif attempt.household_id and attempt.household_id not in households:
            errors[index] = f"Household {attempt.household_id} is not on your lists."
        elif attempt.household_id and any(listed[voter_id] != attempt.household_id for voter_id in named):
            errors[index] = "Everyone named at a door must live there."
        elif attempt.phone_id and phones.get(attempt.phone_id) != attempt.voter_id:
            errors[index] = f"Phone {attempt.phone_id} is not a number of voter {attempt.voter_id}."
        elif item.gathering_id and item.gathering_id not in gatherings:
            errors[index] = f"Gathering {item.gathering_id} is not one of yours."
    return errors
