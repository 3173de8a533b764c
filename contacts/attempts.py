"""What a contact attempt is: its fields, and the one set of rules (DESIGN.md section 5) it must keep.

`contact_record_many()` checks every attempt here before it writes, so no way in (the sync API,
the call and knock pages, paper entry, a later import of results) can store one the rules refuse.
Readers of JSON or forms turn what they received into an `Attempt` and may check it here first
to answer early; the messages are these, whoever asks. Plain Python, no forms and no queries: a
sync batch checks up to a hundred attempts on the hot path.
"""

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from contacts.models import Channel, ContactAttempt, PartyID, Suppression

Result = ContactAttempt.Result

# DESIGN.md section 5: which results each channel offers. Paper sheets carry door results.
DOOR_RESULTS = (
    Result.TALKED, Result.NOT_HOME, Result.LEFT_LITERATURE, Result.REFUSED, Result.MOVED,
    Result.DECEASED, Result.INACCESSIBLE, Result.HOSTILE,
)  # fmt: skip
PHONE_RESULTS = (
    Result.TALKED, Result.NO_ANSWER, Result.LEFT_MESSAGE, Result.WRONG_NUMBER, Result.DISCONNECTED,
    Result.REFUSED, Result.HOSTILE,
)  # fmt: skip
RESULTS_BY_CHANNEL = {Channel.DOOR: DOOR_RESULTS, Channel.PHONE: PHONE_RESULTS, Channel.PAPER: DOOR_RESULTS}
# A wrong or dead number says nothing about the voter: only the number is suppressed.
PHONE_SUPPRESSING = {
    Result.WRONG_NUMBER: Suppression.Reason.WRONG_NUMBER,
    Result.DISCONNECTED: Suppression.Reason.DISCONNECTED,
}
# Results that say something about the people named in the attempt.
PERSON_SUPPRESSING = {Result.MOVED: Suppression.Reason.MOVED, Result.DECEASED: Suppression.Reason.DECEASED}

MAX_PEOPLE = 12
MAX_NOTE = 1000
MAX_ID = 2**63 - 1  # PostgreSQL's bigint
# Offline phones sync days late, and their clocks drift; anything outside this window is a bug.
OLDEST_DEVICE_TIME = timedelta(days=400)
NEWEST_DEVICE_TIME = timedelta(days=1)
CHANNELS = frozenset(Channel.values)
RESULTS = frozenset(Result.values)
PARTY_IDS = frozenset(PartyID.Value.values)

# The words every way in answers with. Field messages are "name: message".
REQUIRED = "This field is required."
NOT_A_CHOICE = "{value} is not one of the available choices."
NOT_AN_ID = "Enter a whole number of 1 or more."
NOT_A_UUID = "Enter a valid UUID."
NOT_A_TIME = "Enter a date and time (ISO 8601)."
CLOCK_FAR_OFF = "The device's clock is far off: check its date and time."
NOT_A_PHONE = "Enter a US phone number: ten digits, area code first."
NULL_CHARACTER = "Null characters are not allowed."


class AttemptError(ValueError):
    """An attempt that breaks a rule, with a sentence for the person who sent it."""


@dataclass(frozen=True)
class Person:
    """What a leader learned about one person in a conversation."""

    voter_id: int
    party_id: int | None = None
    know_them: bool = False
    do_not_contact: bool = False
    phone: str = ""  # ten digits, learned at the door


@dataclass(frozen=True)
class Attempt:
    """One call or knock as the device entered it."""

    client_uuid: uuid.UUID
    channel: str
    result: str
    device_time: datetime
    voter_id: int | None = None
    household_id: int | None = None
    phone_id: int | None = None
    people: Sequence[Person] = ()
    note: str = ""
    latitude: float | None = None
    longitude: float | None = None


def not_a_choice(value) -> str:
    return NOT_A_CHOICE.format(value=value)


def too_long(max_length: int, length: int) -> str:
    return f"Keep it to {max_length} characters (it has {length})."


def out_of_range(limit: float) -> str:
    return f"Enter a number between -{limit:g} and {limit:g}."


def person_not_valid(errors: Sequence[str]) -> str:
    return f"A person is not valid ({'; '.join(errors)})."


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # True is an int to Python, not to us


def is_id(value) -> bool:
    """Whether a value can be a row's id: a whole number in PostgreSQL's bigint, 1 or more."""
    return _is_int(value) and 1 <= value <= MAX_ID


def _is_number(value, limit: float) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value) and -limit <= value <= limit


def _choice_error(name: str, value, choices) -> str | None:
    if value is None or value == "":
        return f"{name}: {REQUIRED}"
    if not isinstance(value, str) or value not in choices:
        return f"{name}: {not_a_choice(value)}"
    return None


def _text_error(name: str, value, max_length: int) -> str | None:
    if not isinstance(value, str):
        return f"{name}: Enter text."
    if "\x00" in value:
        return f"{name}: {NULL_CHARACTER}"
    if len(value) > max_length:
        return f"{name}: {too_long(max_length, len(value))}"
    return None


def _field_errors(a: Attempt, now: datetime) -> list[str]:
    """Check each field on its own; return one "name: message" per bad field."""
    errors = []
    if a.client_uuid is None or a.client_uuid == "":
        errors.append(f"uuid: {REQUIRED}")
    elif not isinstance(a.client_uuid, uuid.UUID):
        errors.append(f"uuid: {NOT_A_UUID}")
    errors += filter(
        None, (_choice_error("channel", a.channel, CHANNELS), _choice_error("result", a.result, RESULTS))
    )
    if a.device_time is None or a.device_time == "":
        errors.append(f"device_time: {REQUIRED}")
    elif not isinstance(a.device_time, datetime) or timezone.is_naive(a.device_time):
        errors.append(f"device_time: {NOT_A_TIME}")
    elif not now - OLDEST_DEVICE_TIME <= a.device_time <= now + NEWEST_DEVICE_TIME:
        errors.append(f"device_time: {CLOCK_FAR_OFF}")
    for name, value in (("voter", a.voter_id), ("household", a.household_id), ("phone", a.phone_id)):
        if value is not None and not is_id(value):
            errors.append(f"{name}: {NOT_AN_ID}")
    if (error := _text_error("note", a.note, MAX_NOTE)) is not None:
        errors.append(error)
    for name, value, limit in (("latitude", a.latitude, 90), ("longitude", a.longitude, 180)):
        if value is not None and not _is_number(value, limit):
            errors.append(f"{name}: {out_of_range(limit)}")
    return errors


def _person_error(person) -> str | None:
    if not isinstance(person, Person):
        return person_not_valid([f"voter: {REQUIRED}"])
    errors = []
    if person.voter_id is None or person.voter_id == "":
        errors.append(f"voter: {REQUIRED}")
    elif not is_id(person.voter_id):
        errors.append(f"voter: {NOT_AN_ID}")
    if person.party_id is not None and (not _is_int(person.party_id) or person.party_id not in PARTY_IDS):
        errors.append(f"party_id: {not_a_choice(person.party_id)}")
    if person.phone and not (
        isinstance(person.phone, str) and len(person.phone) == 10 and person.phone.isdigit()
    ):
        errors.append(f"phone: {NOT_A_PHONE}")
    if not isinstance(person.know_them, bool) or not isinstance(person.do_not_contact, bool):
        errors.append("know_them, do_not_contact: Say yes or no.")
    return person_not_valid(errors) if errors else None


def _rule_error(a: Attempt) -> str | None:
    """The rules that tie one attempt's fields together (DESIGN.md section 5)."""
    channel, result, people = a.channel, a.result, a.people
    if result not in RESULTS_BY_CHANNEL[channel]:
        return f"“{Result(result).label}” is not a {Channel(channel).label.lower()} result."
    if channel == Channel.PHONE:
        if not a.voter_id:
            return "A call needs the voter called."
        if any(person.voter_id != a.voter_id for person in people):
            return "A call can only tell about the voter called."
    elif not a.household_id:
        return "A knock needs the household."
    elif a.phone_id:
        return "A number goes with a call, not a knock."
    if result != Result.TALKED and any(person.party_id is not None for person in people):
        return "An ID needs a conversation: the result must be Talked."
    if result in PHONE_SUPPRESSING and not a.phone_id:
        return "Say which number was wrong or disconnected."
    if result in PERSON_SUPPRESSING and not people:
        return "Say who moved or died."
    return None


def attempt_error(a: Attempt, *, now: datetime | None = None) -> str:
    """Return why the attempt may not be recorded (its fields first, then its people, then the rules), or ""."""
    errors = _field_errors(a, now or timezone.now())
    if errors:
        return " ".join(errors)
    if not isinstance(a.people, (list, tuple)) or len(a.people) > MAX_PEOPLE:
        return f"people must be a list of at most {MAX_PEOPLE}."
    for person in a.people:
        if (error := _person_error(person)) is not None:
            return error
    return _rule_error(a) or ""


def check_attempt(a: Attempt, *, now: datetime | None = None) -> None:
    """Raise AttemptError saying why the attempt may not be recorded; return if it may."""
    error = attempt_error(a, now=now)
    if error:
        raise AttemptError(error)
