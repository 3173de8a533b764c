"""The VAN export (issue 17 section 6): contact results for a date range, as VoteBuilder's bulk upload takes them.

One row per voter per attempt. A knock recorded for a whole door (no single voter named) gives a
row for each voter of that household, as MiniVAN applies a door's result to everyone at it; the
survey response is the ID the leader recorded for that voter in that attempt, if any.

The voter is identified by their VANID when it is known (loaded from VAN's own export of a list by
`manage.py import_van_ids`, contacts/van_ids.py), and always by the state's voter ID (StateFileID),
on which VoteBuilder's bulk upload also matches a Missouri file's voters; VANID is empty when unknown.

In VoteBuilder: Bulk Upload -> "Contact History" on the voter file, match on VANID when every row
has one, else on State File ID; map the columns below by name; map the SurveyQuestion column to the
committee's party-ID question and its responses by their names.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import CharField, F, Func, OuterRef, Subquery, Value
from django.db.models.functions import NullIf
from django.utils import timezone

from contacts.models import Channel, ContactAttempt, PartyID

Result = ContactAttempt.Result

HEADER = [
    "VANID",
    "StateFileID",
    "ContactType",
    "Result",
    "SurveyQuestion",
    "SurveyResponse",
    "DateCanvassed",
    "Canvasser",
]

# Our channels -> VAN contact types. Paper sheets are walk sheets (contacts' knocked()).
CONTACT_TYPES = {Channel.DOOR: "Walk", Channel.PHONE: "Phone", Channel.PAPER: "Walk"}

# THE table: our contact results -> VAN's standard result codes (their names, as the upload maps them).
# VAN has no result for a literature drop at an unanswered door, nor for a phone that was not
# picked up: MiniVAN and VAN's virtual phone bank both record "Not Home" for these.
VAN_RESULTS = {
    Result.TALKED: "Canvassed",
    Result.NOT_HOME: "Not Home",
    Result.LEFT_LITERATURE: "Not Home",
    Result.REFUSED: "Refused",
    Result.MOVED: "Moved",
    Result.DECEASED: "Deceased",
    Result.INACCESSIBLE: "Inaccessible",
    Result.HOSTILE: "Hostile",
    Result.NO_ANSWER: "Not Home",
    Result.LEFT_MESSAGE: "Left Message",
    Result.WRONG_NUMBER: "Wrong Number",
    Result.DISCONNECTED: "Disconnected",
}

# The 1-5 ID travels as the response to one survey question. "Won't say" sends no response: the
# result already says whether they talked.
SURVEY_QUESTION = "Party ID"
SURVEY_RESPONSES = {
    PartyID.Value.STRONG_DEM: "1 Strong Dem",
    PartyID.Value.LEAN_DEM: "2 Lean Dem",
    PartyID.Value.UNDECIDED: "3 Undecided",
    PartyID.Value.LEAN_REP: "4 Lean Rep",
    PartyID.Value.STRONG_REP: "5 Strong Rep",
}


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants from the start of `start` to the end of `end`, in the party's time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _party_id(voter_path: str) -> Subquery:
    ids = (
        PartyID.objects.standing()
        .filter(attempt=OuterRef("pk"), voter=OuterRef(voter_path))
        .order_by("-recorded_at")
    )
    return Subquery(ids.values("value")[:1])


def _local_day() -> Func:
    """The attempt's day by the device's clock in the party's time zone, as VAN writes dates.

    Formatted in SQL: converting and formatting each row's time in Python was a quarter of the export's time.
    """
    local = Func(Value(timezone.get_current_timezone_name()), F("device_time"), function="timezone")
    return Func(local, Value("MM/DD/YYYY"), function="to_char", output_field=CharField())


def _canvasser() -> Func:
    names = [NullIf(F(f"leader__{part}_name"), Value("")) for part in ("first", "last")]
    return Func(Value(" "), *names, function="concat_ws", output_field=CharField())


FIELDS = ("channel", "result", "day", "canvasser", "party")


def van_rows(start: date, end: date, *, chunk_size: int = 2000) -> Iterator[list]:
    """Yield the VAN file's rows for the attempts entered (by the device's clock) from `start` to `end`."""
    since, until = _window(start, end)
    attempts = ContactAttempt.objects.standing().filter(device_time__gte=since, device_time__lt=until)
    by_voter = (
        attempts.filter(voter__isnull=False)
        .annotate(party=_party_id("voter_id"), day=_local_day(), canvasser=_canvasser())
        .order_by("device_time", "pk")
        .values_list("voter__van_id", "voter_id", *FIELDS)
    )
    by_door = (
        attempts.filter(voter__isnull=True, household__voters__isnull=False)
        .annotate(party=_party_id("household__voters__id"), day=_local_day(), canvasser=_canvasser())
        .order_by("device_time", "pk", "household__voters__id")
        .values_list("household__voters__van_id", "household__voters__id", *FIELDS)
    )
    for rows in (by_voter, by_door):
        for van_id, voter_id, channel, result, day, canvasser, party in rows.iterator(chunk_size=chunk_size):
            yield [
                van_id or "",
                voter_id,
                CONTACT_TYPES[channel],
                VAN_RESULTS[result],
                SURVEY_QUESTION if party in SURVEY_RESPONSES else "",
                SURVEY_RESPONSES.get(party, ""),
                day,
                canvasser,
            ]
