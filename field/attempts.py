"""Reading one call or knock as the field app sends it, and checking it against the leader's lists.

The sync API reads JSON items and the pages post forms; both come here. Reading only converts
what was sent (text to numbers, times, UUIDs) and leaves what it cannot convert as it came:
`contacts.attempts` decides what a valid attempt is and says what is wrong, for every way in.
What is the field app's own: the invitation at the end of a call, the email a neighbor gave, and
the scope check against the leader's lists. Plain Python rather than a Django form: a sync batch
reads up to a hundred attempts, and forms cost a fifth of a sync request.
"""

import re
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from contacts.attempts import (
    MAX_PEOPLE,
    NOT_AN_ID,
    Attempt,
    AttemptError,
    Person,
    check_attempt,
    is_id,
    not_a_choice,
    person_not_valid,
)
from contacts.models import Channel, ContactAttempt, Phone
from contacts.vendor import normalize_phone
from events.models import Gathering, Invitation
from events.services import FieldAttempt
from turf.models import listed_targets

__all__ = ["AttemptError", "read_attempt", "read_posted_attempt", "scope_errors"]

Result = ContactAttempt.Result
RSVPS = frozenset(Invitation.Rsvp.values)
FALSE_WORDS = frozenset({"", "false", "0", "off", "no"})
PERSON_FIELD = re.compile(r"^people-(\d{1,2})-(\w+)$")
POSTED_FIELDS = ("uuid", "channel", "result", "device_time", "voter", "household", "phone", "note",
                 "latitude", "longitude", "gathering", "rsvp")  # fmt: skip


def _given(data: dict, name: str):
    value = data.get(name)
    return None if value is None or value == "" else value


def _id(value):
    """A row id from JSON or a form: digits become a number; anything else is left for the rules to refuse."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return value


def _number(value):
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return float(value) if type(value) is int else value


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def _uuid(value):
    if isinstance(value, uuid.UUID) or value is None:
        return value
    try:
        return uuid.UUID(value) if isinstance(value, str) else uuid.UUID(str(value))
    except ValueError:
        return str(value)


def _device_time(value):
    if not isinstance(value, str):
        return value
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        return value
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _read_person(raw) -> tuple[Person, str]:
    """Read one person talked to; return them and the email learned ("" if none)."""
    data = raw if isinstance(raw, dict) else {}
    party_id = _given(data, "party_id")
    if party_id is not None:
        text = str(party_id).strip()
        party_id = int(text) if text.isascii() and text.isdigit() else party_id
    phone = _text(_given(data, "phone"))
    # "n/a", "none": no number learned. A number that does not normalize is left for the rules to refuse.
    phone = (normalize_phone(phone) or phone) if any(character.isdigit() for character in phone) else ""
    person = Person(
        voter_id=_id(_given(data, "voter")),
        party_id=party_id,
        know_them=_flag(data.get("know_them")),
        do_not_contact=_flag(data.get("do_not_contact")),
        phone=phone,
    )
    email = _text(_given(data, "email"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise AttemptError(person_not_valid(["email: Enter a valid email address."])) from None
    return person, email.lower()


def _read_invitation(invite: dict) -> tuple[int | None, str]:
    """Read the invitation a call ended with: the gathering and the answer, both or neither."""
    gathering, rsvp, errors = _id(_given(invite, "gathering")), _given(invite, "rsvp"), []
    if gathering is not None and not is_id(gathering):
        errors.append(f"gathering: {NOT_AN_ID}")
    if rsvp is not None and (not isinstance(rsvp, str) or rsvp not in RSVPS):
        errors.append(f"rsvp: {not_a_choice(rsvp)}")
    if errors:
        raise AttemptError(" ".join(errors))
    return gathering, rsvp or ""


def read_attempt(item) -> FieldAttempt:
    """Read one item of a sync batch (see the sync view for the format); raise AttemptError."""
    if not isinstance(item, dict):
        raise AttemptError("An attempt must be a JSON object.")
    people_data = item.get("people") or []
    if isinstance(people_data, list):
        # One more than the rules allow is enough for them to refuse the list.
        read_people = [_read_person(raw) for raw in people_data[: MAX_PEOPLE + 1]]
        people = tuple(person for person, _ in read_people)
    else:
        read_people, people = [], people_data  # the rules refuse it: people must be a list
    attempt = Attempt(
        client_uuid=_uuid(_given(item, "uuid")),
        channel=_given(item, "channel"),
        result=_given(item, "result"),
        device_time=_device_time(_given(item, "device_time")),
        voter_id=_id(_given(item, "voter")),
        household_id=_id(_given(item, "household")),
        phone_id=_id(_given(item, "phone")),
        people=people,
        note=_text(_given(item, "note")),
        latitude=_number(_given(item, "latitude")),
        longitude=_number(_given(item, "longitude")),
    )
    gathering, rsvp = _read_invitation(item.get("invite") if isinstance(item.get("invite"), dict) else {})
    check_attempt(attempt)
    if bool(gathering) != bool(rsvp):
        raise AttemptError("An invitation needs both the gathering and the answer.")
    if gathering and (attempt.channel != Channel.PHONE or attempt.result != Result.TALKED):
        raise AttemptError("An invitation ends a call in which you talked.")
    emails = tuple((person.voter_id, email) for person, email in read_people if email)
    return FieldAttempt(attempt=attempt, gathering_id=gathering, rsvp=rsvp, emails=emails)


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
        # Only the host invites, as on the gathering's page: a coordinator or staff who sees it may not.
        set(
            Gathering.objects.visible_to(user)
            .filter(pk__in=gathering_ids, host=user)
            .values_list("pk", flat=True)
        )
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
