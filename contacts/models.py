"""The voter file and everything learned about voters: contacts, party IDs, suppressions.

Voters are keyed by the Secretary of State's Voter ID, which is stable across editions, so contact
history stays joinable to a voter whatever the next file says.
"""

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex, GinIndex
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Now, Upper
from django.shortcuts import get_object_or_404
from django.utils import dateformat, timezone

from contacts.importing import PHASE_DONE, PHASE_READING
from contacts.shared import RollupRun, RollupState, SharedAggregate, SharedVoter  # noqa: F401 (the shared DB's)
from contacts.voterfile.unregister import MissingVoters


class Election(models.Model):
    """An election voters took part in, as the voter file's history names it ("11/05/2024 General")."""

    # Voters hold election ids in an integer array: an int4 key is all that array can hold.
    id = models.AutoField(primary_key=True)
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["-date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["date", "name"], name="one_election_per_date_and_name")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.date:%m/%d/%Y} {self.name}"


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Keep the doors the user sees: those of the voters they see (turf's rule, see household_scope)."""
        return self.filter(household_scope(user))

    def hostile(self):
        """Keep the doors where someone met a leader with hostility: every leader is warned before knocking."""
        return self.filter(Exists(Suppression.objects.hostile().filter(voter__household=OuterRef("pk"))))


class Household(models.Model):
    """One door: the voters at one normalized residential address, unit included.

    The address key is computed by the importer (contacts/voterfile/staging.py) and never changes for a door, so
    contact history recorded against a household stays with it across voter-file editions.
    """

    # Keys and codes sort byte by byte (collation "C"): their indexes build several times faster
    # than with the database's language-aware collation, and they order the same.
    address_key = models.TextField(db_collation="C")
    house_number = models.IntegerField(null=True, blank=True)
    # Text from the voter file is stored as given: a long value must never abort a statewide import.
    house_suffix = models.TextField(blank=True)
    pre_direction = models.TextField(blank=True)
    street_name = models.TextField(blank=True, db_collation="C")
    street_type = models.TextField(blank=True)
    post_direction = models.TextField(blank=True)
    unit_type = models.TextField(blank=True)
    unit_number = models.TextField(blank=True)
    non_standard_address = models.TextField(blank=True)
    city = models.TextField(blank=True)
    state = models.TextField(default="MO")
    zip_code = models.TextField(blank=True)
    county = models.TextField(db_collation="C")
    precinct = models.TextField(blank=True, db_collation="C")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geocode_match = models.CharField(
        max_length=10, blank=True, help_text="Exact, Non_Exact, No_Match or Tie, from the Census geocoder."
    )
    street_side = models.CharField(max_length=1, blank=True, help_text="L or R, from the geocoder.")
    tiger_line_id = models.CharField(max_length=20, blank=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["county", "precinct", "street_name", "house_number"])]
        # A constraint rather than unique=True: the latter adds a pattern-matching index nobody uses.
        constraints = [models.UniqueConstraint(fields=["address_key"], name="one_household_per_address")]

    def __str__(self) -> str:
        return self.address_line

    @property
    def street_line(self) -> str:
        if self.non_standard_address and not self.street_name:
            return self.non_standard_address
        parts = [
            f"{self.house_number or ''}{self.house_suffix}",
            self.pre_direction,
            self.street_name,
            self.street_type,
            self.post_direction,
            self.unit_type,
            self.unit_number,
        ]
        return " ".join(part for part in parts if part)

    @property
    def address_line(self) -> str:
        return f"{self.street_line}, {self.city} {self.zip_code}".strip(", ")

    @property
    def is_geocoded(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def is_hostile(self) -> bool:
        """Return whether someone at this door met a leader with hostility (see HouseholdQuerySet.hostile)."""
        return Household.objects.filter(pk=self.pk).hostile().exists()

    def is_on_street(self, typed: str) -> bool:
        """Return whether a street as a person writes it ("N Juniper St.") names this door's street.

        Beyond the street's name, only directions and street types may be typed: a list of names
        is a list of guesses, and it must not match whichever one is right.
        """
        name = _words(self.street_name)
        extra = _words(typed)
        for word in name:
            if word not in extra:
                return False
            extra.remove(word)
        allowed = STREET_EXTRAS | set(
            _words(f"{self.pre_direction} {self.street_type} {self.post_direction}")
        )
        return bool(name) and all(word in allowed for word in extra)


# Words a person adds to a street's name that the voter file keeps in columns of their own.
STREET_EXTRAS = frozenset(
    [
        "N",
        "S",
        "E",
        "W",
        "NE",
        "NW",
        "SE",
        "SW",
        "NORTH",
        "SOUTH",
        "EAST",
        "WEST",
        "ST",
        "STREET",
        "AVE",
        "AV",
        "AVENUE",
        "RD",
        "ROAD",
        "LN",
        "LANE",
        "DR",
        "DRIVE",
        "CT",
        "COURT",
        "BLVD",
        "BOULEVARD",
        "PL",
        "PLACE",
        "TER",
        "TERRACE",
        "CIR",
        "CIRCLE",
        "WAY",
        "PKWY",
        "PARKWAY",
        "HWY",
        "HIGHWAY",
        "TRL",
        "TRAIL",
    ]
)


def _words(text: str) -> list[str]:
    return re.sub(r"[^A-Z0-9 ]", " ", (text or "").upper()).split()


class VoterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Keep the voters the user sees: turf's rule (see voter_scope), as lists decide it."""
        return self.filter(voter_scope(user))

    def registered(self):
        return self.filter(is_registered=True)

    def voted_in(self, election: Election):
        """Keep voters whose history includes the election."""
        return self.filter(elections__contains=[election.pk])

    def in_district(self, code: str):
        """Keep voters in a district code of any map ("20 LE 155", "25 CN 5"), GIN-indexed."""
        return self.filter(districts__contains=[code])

    def with_likely_label(self, *, now: datetime | None = None):
        """Annotate `likely_label`, the ladder of `contacts.party.decide()` as one CASE the database evaluates."""
        now = now or timezone.now()
        # One CASE, rungs in ladder order: a row stops at its first rung, so it probes the ID index a
        # few times at most, and the newest ID is read only for voters an ID decides.
        declared = Case(
            When(declared_party__istartswith="dem", then=Value(LikelyLabel.DEM)),
            When(declared_party__istartswith="rep", then=Value(LikelyLabel.REP)),
            default=Value(LikelyLabel.SWING),
        )
        score = Case(
            When(score__value__gte=settings.PARTY_SCORE_DEM_MIN, then=Value(LikelyLabel.DEM)),
            When(score__value__lte=settings.PARTY_SCORE_REP_MAX, then=Value(LikelyLabel.REP)),
            default=Value(LikelyLabel.SWING),
        )
        rungs = []
        for basis, half_lives in LADDER:
            if basis == LikelyBasis.ID:
                recent = (
                    party_ids_of_outer_voter()
                    if half_lives is None
                    else party_ids_of_outer_voter().filter(
                        recorded_at__gte=now - half_lives * party_id_half_life()
                    )
                )
                rungs.append(When(Exists(recent), then=_label_from_id_sql()))
            elif basis == LikelyBasis.DECLARED:
                rungs.append(When(~Q(declared_party__regex=r"^\s*$"), then=declared))
            elif basis == LikelyBasis.SCORE:
                rungs.append(When(score__value__isnull=False, then=score))
            else:
                rungs.append(
                    When(Exists(LeaderMark.objects.filter(voter=OuterRef("pk"))), then=Value(LikelyLabel.DEM))
                )
        return self.annotate(
            likely_label=Case(*rungs, default=Value(LikelyLabel.UNKNOWN), output_field=models.CharField())
        )

    def likely_democrats(self, *, now: datetime | None = None):
        """Keep the voters whose likely party is Democratic."""
        return self.with_likely_label(now=now).filter(likely_label=LikelyLabel.DEM)

    def needing_id(self, *, now: datetime | None = None):
        """Keep the voters whose preference is not known: no declared party, no ID within a half-life.

        A refusal counts as asked: the door was knocked and the answer was no.
        """
        now = now or timezone.now()
        recent = party_ids_of_outer_voter(refusals=True).filter(recorded_at__gte=now - party_id_half_life())
        return self.filter(declared_party__regex=r"^\s*$").exclude(Exists(recent))


class Voter(models.Model):
    """A registered (or formerly registered) Missouri voter, as the PSR file describes them.

    Written only by the importer (contacts/voterfile/), set-based; never deleted, so contact history
    stays joinable to the voter across editions. A voter missing from a newer edition is marked
    no longer registered.
    """

    id = models.BigIntegerField(primary_key=True, help_text="The Secretary of State's Voter ID.")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="voters"
    )
    first_name = models.TextField(blank=True)
    middle_name = models.TextField(blank=True)
    last_name = models.TextField(blank=True)
    suffix = models.TextField(blank=True)
    birth_year = models.SmallIntegerField(null=True, blank=True)
    declared_party = models.TextField(blank=True)
    registered_on = models.DateField(null=True, blank=True)
    status = models.TextField(blank=True, help_text="Active or Inactive, as the file says.")
    county = models.TextField(db_collation="C", help_text="The election authority (PSR County value).")
    precinct = models.TextField(blank=True, db_collation="C")
    precinct_name = models.TextField(blank=True)
    split = models.TextField(blank=True)
    township = models.TextField(blank=True)
    ward = models.TextField(blank=True)
    # District codes carry their map ("20 CN 6", "25 CN 5", "CN-N 6" for 2011), so maps never mix:
    # these three hold the newest map in the file, `districts` every code of every map it carried.
    congressional_district = models.TextField(blank=True)
    legislative_district = models.TextField(blank=True)
    senate_district = models.TextField(blank=True)
    districts = ArrayField(models.TextField(), default=list, blank=True)
    # Election ids, most recent first. An array rather than a join table keeps 4.3 million voters
    # times up to 20 elections at one row per voter. It has no index of its own: turnout questions
    # start from voters found otherwise (a leader's neighbours, contacted voters, a precinct), and
    # a GIN index would cost a statewide import a fifth of its time.
    elections = ArrayField(models.IntegerField(), default=list, blank=True)
    mailing_address = models.TextField(blank=True)
    mailing_city = models.TextField(blank=True)
    mailing_state = models.TextField(blank=True)
    mailing_zip = models.TextField(blank=True)
    van_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The voter's VANID, from a crosswalk staff imported (import_van_ids).",
    )
    is_registered = models.BooleanField(default=True)
    unregistered_at = models.DateTimeField(
        null=True, blank=True, help_text="When an edition of the voter file first left them out."
    )
    row_hash = models.BigIntegerField(
        null=True, blank=True, editable=False, help_text="Hash of the voter's line in the last file written."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = VoterQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["county", "precinct"]),
            GinIndex(fields=["districts"]),
            # A walk-in at a gathering's door is looked up by name (events.checkin.match_walk_in):
            # the expressions and condition are that query's, so the planner can use it.
            models.Index(
                Upper("last_name"), Upper("first_name"), name="voter_registered_name",
                condition=Q(is_registered=True),
            ),
        ]  # fmt: skip
        constraints = [models.UniqueConstraint(fields=["van_id"], name="one_voter_per_van_id")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        parts = [self.first_name, self.middle_name[:1], self.last_name, self.suffix]
        return " ".join(part for part in parts if part)

    @property
    def display_name(self) -> str:
        """Return the full name in name case for screens; the file's spelling stays in the data."""
        parts = [self.first_name, self.middle_name[:1], self.last_name, self.suffix]
        return " ".join(name_case(part) for part in parts if part)

    def voted_in(self, election: Election) -> bool:
        return election.pk in self.elections


_ROMAN_SUFFIXES = {"II", "III", "IV", "V", "VI"}
# Names that start with "Mac" without being Mac-names; the list is short, a Machado shown as
# MacHado would be worse than a Macdonald shown as such.
_NOT_MAC = {
    "Macari",
    "Macario",
    "Macedo",
    "Machado",
    "Machin",
    "Macias",
    "Mackey",
    "Mackie",
    "Macomb",
    "Macon",
}


def _name_case_word(word: str) -> str:
    if word in _ROMAN_SUFFIXES:
        return word
    word = word.capitalize()
    # McDonald, MacDonald; "Mack" and "Mace" are names of their own, so Mac needs a longer rest.
    if word.startswith("Mc") and len(word) > 3:
        return "Mc" + word[2:].capitalize()
    if word.startswith("Mac") and len(word) > 5 and word not in _NOT_MAC:
        return "Mac" + word[3:].capitalize()
    return word


def name_case(name: str) -> str:
    """Turn a name the voter file wrote in capitals into name case (O'Brien, Smith-Jones, McDonald)."""
    if name != name.upper():
        return name  # someone already chose its case (deMarco): keep it
    return re.sub(r"[^\W\d_]+", lambda m: _name_case_word(m.group(0)), name)


def get_voter_for(user, pk) -> Voter:
    """Fetch a voter the user may see, or 404 as if they did not exist."""
    return get_object_or_404(Voter.objects.visible_to(user), pk=pk)


def get_voters_for(user, pks) -> list[Voter]:
    """Fetch the voters among these ids that the user may see; the caller says what became of the others."""
    return list(Voter.objects.visible_to(user).filter(pk__in=list(pks)).select_related("household"))


def get_household_for(user, pk) -> Household:
    """Fetch a door the user may see, or 404 as if it did not exist."""
    return get_object_or_404(Household.objects.visible_to(user), pk=pk)


def get_households_for(user, pks) -> list[Household]:
    """Fetch the doors among these ids that the user may see; the caller says what became of the others."""
    return list(Household.objects.visible_to(user).filter(pk__in=list(pks)))


class PhoneQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Keep the numbers of the voters the user sees."""
        return self.filter(voter_scope(user, "voter__"))

    def callable(self):
        """Keep the numbers nobody has reported wrong, disconnected or off limits."""
        return self.exclude(Exists(Suppression.objects.in_force().filter(phone=OuterRef("pk"))))


class Phone(models.Model):
    """A phone number for a voter, from an import or from a leader."""

    class Kind(models.TextChoices):
        CELL = "cell", "Cell"
        LANDLINE = "landline", "Landline"
        UNKNOWN = "unknown", "Unknown"

    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=15, help_text="Ten digits, no punctuation.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UNKNOWN)
    source = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhoneQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "number"], name="phone_unique_per_voter")]

    def __str__(self) -> str:
        return f"({self.number[:3]}) {self.number[3:6]}-{self.number[6:]}"


class Score(models.Model):
    """A partisanship model score, 0 (Republican) to 100 (Democratic), from the party's vendor."""

    voter = models.OneToOneField(Voter, on_delete=models.CASCADE, related_name="score")
    value = models.SmallIntegerField()
    source = models.CharField(max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="score_0_to_100", condition=Q(value__gte=0, value__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.value} of 100"


class VoterWarning(models.Model):
    """A warning the voter file's line for a voter gave when it was last written (contacts.voterfile).

    A re-import skips unchanged lines unread, so the report of every import of the same file
    lists these again at the voter's line. No foreign key: the importer replaces them in bulk.
    """

    voter_id = models.BigIntegerField(db_index=True)
    problem = models.TextField()

    class Meta:
        db_table = "contacts_voter_warning"

    def __str__(self) -> str:
        return f"{self.voter_id}: {self.problem}"


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only state staff import data and see imports."""
        return self if user.is_authenticated and user.is_state_staff else self.none()

    def files_expired(self, before):
        """Keep finished imports, finished before a moment, whose files are still kept."""
        return self.filter(
            status__in=ImportRun.FINISHED, finished_at__lt=before, files_deleted_at__isnull=True
        )


class ImportRun(models.Model):
    """One import of a data file (voter file, geocodes, phones, scores): its progress and its counts.

    Progress is written from a separate connection while the import's own transaction is still
    open, so the upload page can show it live.
    """

    class Kind(models.TextChoices):
        VOTERS = "voters", "Voter file (PSR)"
        GEOCODES = "geocodes", "Census geocoder results"
        PHONES = "phones", "Phone numbers"
        SCORES = "scores", "Partisanship scores"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(default=False)
    file_name = models.CharField(max_length=255, help_text="The name of the file as it was uploaded.")
    path = models.CharField(max_length=1000, help_text="Where the file is on the server.")
    report_path = models.CharField(max_length=1000, blank=True, help_text="Rejected rows and warnings.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    phase = models.CharField(max_length=100, blank=True)
    bytes_total = models.BigIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    rows_per_second = models.IntegerField(default=0)
    rows_read = models.IntegerField(default=0)
    inserted = models.IntegerField(default=0)
    updated = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    unregistered = models.IntegerField(default=0, help_text="Voters marked no longer registered.")
    moved = models.IntegerField(default=0, help_text="Voters moved to another household.")
    rejected = models.IntegerField(default=0)
    warnings = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    # Voters a voter file leaves out (DESIGN.md section 8): previewed, unregistered only when confirmed.
    partial = models.BooleanField(
        default=False, help_text="A partial extract: adds and updates voters, never unregisters anyone."
    )
    unregister = models.BooleanField(
        default=False, help_text="Staff confirmed: the voters the file leaves out are no longer registered."
    )
    full_editions = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text="Counties missing more than the threshold that staff named full editions all the same.",
    )
    confirms = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="confirmations",
        help_text="The import whose preview staff confirmed by starting this one.",
    )
    preview = models.JSONField(
        null=True,
        blank=True,
        help_text="The registered voters the file leaves out, by county, and their lists.",
    )
    files_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the uploaded file and the report were deleted (retention)."
    )

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.bytes_total:
            return 0
        return min(99, self.bytes_done * 100 // self.bytes_total)

    @property
    def in_transaction(self) -> bool:
        """Whether the run's progress says its import is inside its transaction, holding the lock."""
        return self.status == self.Status.RUNNING and self.phase not in ("", "Starting", PHASE_DONE)

    @property
    def is_reading(self) -> bool:
        return not self.is_finished and self.phase == PHASE_READING

    @property
    def kept_counties(self) -> list[dict]:
        """The preview's counties whose missing voters this run left registered."""
        return [county for county in (self.preview or {}).get("counties", []) if not county["unregistered"]]

    @property
    def awaiting_confirmation(self) -> bool:
        """Whether the file left out registered voters that only a confirmation would unregister."""
        return (
            self.status == self.Status.SUCCEEDED
            and not self.dry_run
            and not self.partial
            and bool(self.kept_counties)
        )

    def missing_voters(self) -> MissingVoters:
        """Say what this run's import does with the voters its file leaves out."""
        seen = self.confirms.preview if self.confirms_id and self.confirms.preview else None
        return MissingVoters(
            partial=self.partial,
            unregister=self.unregister,
            full_editions=frozenset(self.full_editions),
            expected={county["county"]: county["missing"] for county in seen["counties"]} if seen else None,
        )

    @property
    def seconds_left(self) -> int | None:
        """Estimate the seconds left in the reading phase from the rate so far; None after it."""
        if not self.is_reading or not self.rows_per_second or not self.rows_read or not self.bytes_done:
            return None
        bytes_per_row = self.bytes_done / self.rows_read
        rows_left = (self.bytes_total - self.bytes_done) / bytes_per_row
        return round(rows_left / self.rows_per_second)


def get_import_run_for(user, pk) -> ImportRun:
    """Fetch an import the user may see, or 404 as if it did not exist."""
    return get_object_or_404(ImportRun.objects.visible_to(user).select_related("started_by"), pk=pk)


class Channel(models.TextChoices):
    DOOR = "door", "Door"
    PHONE = "phone", "Phone"
    PAPER = "paper", "Paper sheet"


class ContactAttemptQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Keep the attempts on a voter or a door the user sees, and the user's own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_state_staff:
            return self
        return self.filter(
            Q(leader=user) | voter_scope(user, "voter__") | household_scope(user, "household__")
        )

    def called(self):
        """Keep the calls: attempts by phone."""
        return self.filter(channel=Channel.PHONE)

    def knocked(self):
        """Keep the knocks: attempts at the door, in the field app or reported from a walk sheet."""
        return self.filter(channel__in=[Channel.DOOR, Channel.PAPER])

    def reached(self):
        """Keep the attempts where the leader talked with someone."""
        return self.filter(result=ContactAttempt.Result.TALKED)

    def standing(self):
        """Keep the attempts a plausibility review has not withdrawn (contacts.plausibility)."""
        return self.filter(withdrawn_at__isnull=True)


class ContactAttempt(models.Model):
    """One call or knock, as the leader entered it; never deleted, never rewritten."""

    class Result(models.TextChoices):
        TALKED = "talked", "Talked"
        NOT_HOME = "not_home", "Not home"
        LEFT_LITERATURE = "left_literature", "Left literature"
        REFUSED = "refused", "Refused"
        MOVED = "moved", "Moved"
        DECEASED = "deceased", "Deceased"
        INACCESSIBLE = "inaccessible", "Inaccessible"
        HOSTILE = "hostile", "Hostile"
        NO_ANSWER = "no_answer", "No answer"
        LEFT_MESSAGE = "left_message", "Left message"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        DISCONNECTED = "disconnected", "Disconnected"

    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    # The sync API writes these rows by the thousand a second, after checking every voter and
    # household against the leader's lists. A database foreign key would check each again and lock
    # the voter row it points at (dirtying its page) for every attempt and ID: a sixth of a sync
    # request's database time. So the keys that the sync path fills carry no database constraint,
    # as turf entries do: nothing deletes voters, households or users, and Django's PROTECT still
    # refuses to delete one that attempts or IDs point at.
    # Indexed by (leader, -device_time) below; a second index on leader alone only slows inserts.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    voter = models.ForeignKey(
        Voter, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts", db_constraint=False
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attempts",
        db_constraint=False,
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Who typed it in for the leader, from a paper sheet; empty when the leader did.",
    )  # fmt: skip
    channel = models.CharField(max_length=10, choices=Channel.choices)
    result = models.CharField(max_length=20, choices=Result.choices)
    note = models.TextField(blank=True)
    device_time = models.DateTimeField(help_text="When the leader entered it, by the device's clock.")
    received_at = models.DateTimeField(auto_now_add=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Set when a plausibility review finds the attempt made up: it and its IDs stop counting
    # (the ID rollup, contacts/rollup.py). The row itself stays.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ContactAttemptQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="attempt_has_target", condition=Q(voter__isnull=False) | Q(household__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["leader", "-device_time"]),
            # The rollup finds what arrived since its last run. Attempts arrive in time order, so a
            # block-range index finds them at a fraction of a B-tree's cost on the sync path.
            BrinIndex(fields=["received_at"], name="attempt_received_brin"),
            models.Index(
                fields=["withdrawn_at"], condition=Q(withdrawn_at__isnull=False), name="attempt_withdrawn"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_result_display()}"


class PartyIDQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Keep the IDs of the voters the user sees."""
        return self.filter(voter_scope(user, "voter__"))

    def standing(self):
        """Keep the IDs whose attempt a plausibility review has not withdrawn (contacts.plausibility)."""
        # An anti-join on the few withdrawn attempts (a partial index), not a join of every attempt.
        withdrawn = ContactAttempt.objects.filter(pk=OuterRef("attempt_id"), withdrawn_at__isnull=False)
        return self.exclude(Exists(withdrawn))


class PartyID(models.Model):
    """A voter's party preference as told to a leader, on the 1-5 scale or refused."""

    class Value(models.IntegerChoices):
        STRONG_DEM = 1, "1 Strong Dem"
        LEAN_DEM = 2, "2 Lean Dem"
        UNDECIDED = 3, "3 Undecided/Independent"
        LEAN_REP = 4, "4 Lean Rep"
        STRONG_REP = 5, "5 Strong Rep"
        REFUSED = 9, "Won't say"

    # No database constraints on the keys the sync API fills: see ContactAttempt.
    # Indexed by (voter, -recorded_at) below.
    voter = models.ForeignKey(
        Voter, on_delete=models.PROTECT, related_name="party_ids", db_index=False, db_constraint=False
    )
    value = models.SmallIntegerField(choices=Value.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_constraint=False,
    )  # fmt: skip
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="party_ids",
        db_constraint=False,
    )  # fmt: skip
    source = models.CharField(max_length=60, blank=True, help_text="Field app, paper sheet, import…")
    recorded_at = models.DateTimeField()

    objects = PartyIDQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["voter", "-recorded_at"])]

    def __str__(self) -> str:
        return self.get_value_display()


class LeaderMark(models.Model):
    """A leader's own 'I know them: Democrat' mark on a neighbor, the weakest party signal."""

    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="leader_marks")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "leader"], name="one_mark_per_leader")]

    def __str__(self) -> str:
        return "Known Democrat (leader's mark)"


# --- Likely party (DESIGN.md section 5): the ladder both `contacts.party.decide()` (one voter) and
# VoterQuerySet.with_likely_label() (millions, in SQL) climb; tests/turf/test_party.py checks they agree.


class LikelyLabel(models.TextChoices):
    DEM = "dem", "Likely Democrat"
    SWING = "swing", "Undecided or other party"
    REP = "rep", "Likely Republican"
    UNKNOWN = "unknown", "Not known yet"


class LikelyBasis(models.TextChoices):
    ID = "id", "ID from this program"
    DECLARED = "declared", "Voter file"
    SCORE = "score", "Model score"
    MARK = "mark", "A leader knows them"
    NONE = "none", "Nothing yet"


# The ladder, strongest rung first. An ID rung names the most half-lives old the ID may be.
LADDER: list[tuple[str, int | None]] = [
    (LikelyBasis.ID, 1),
    (LikelyBasis.DECLARED, None),
    (LikelyBasis.ID, 2),
    (LikelyBasis.SCORE, None),
    (LikelyBasis.ID, 3),
    (LikelyBasis.MARK, None),
    (LikelyBasis.ID, None),
]

DEM_IDS = (PartyID.Value.STRONG_DEM, PartyID.Value.LEAN_DEM)
SWING_IDS = (PartyID.Value.UNDECIDED,)


def party_id_half_life() -> timedelta:
    return timedelta(days=settings.PARTY_ID_HALF_LIFE_DAYS)


def party_ids_of_outer_voter(*, refusals: bool = False) -> models.QuerySet:
    """The IDs of the voter a subquery is about (`OuterRef("pk")`), refusals left out unless asked for."""
    ids = PartyID.objects.standing().filter(voter=OuterRef("pk"))
    return ids if refusals else ids.exclude(value=PartyID.Value.REFUSED)


def _label_from_id_sql() -> Subquery:
    newest = party_ids_of_outer_voter().order_by("-recorded_at", "-pk")
    return Subquery(
        newest.annotate(
            label=Case(
                When(value__in=DEM_IDS, then=Value(LikelyLabel.DEM)),
                When(value__in=SWING_IDS, then=Value(LikelyLabel.SWING)),
                default=Value(LikelyLabel.REP),
            )
        ).values("label")[:1]
    )


# Which voters and doors a user sees depends on leaders' lists, which turf owns and contacts may not
# import (DESIGN.md section 3): turf registers its rules here when it is ready (turf/apps.py).
_scopes: dict[str, Callable[[Any, str], Q]] = {}


def register_scopes(*, voters: Callable[[Any, str], Q], households: Callable[[Any, str], Q]) -> None:
    """Set the rules (user, path to a voter or a door) -> condition that say which ones a user sees."""
    _scopes.update(voters=voters, households=households)


def _scope(kind: str) -> Callable[[Any, str], Q]:
    if kind not in _scopes:
        raise ImproperlyConfigured(f"No {kind} scope registered: is the turf app installed?")
    return _scopes[kind]


def voter_scope(user, to_voter: str = "") -> Q:
    """The voters the user sees, as a condition on the path to a voter: turf's rule."""
    return _scope("voters")(user, to_voter)


def household_scope(user, to_household: str = "") -> Q:
    """The doors the user sees, as a condition on the path to a household: turf's rule."""
    return _scope("households")(user, to_household)


class SuppressionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every suppression; coordinators those of the voters they see; others none."""
        # Leaders meet suppressions only through their lists, which turf filters.
        if not (user.is_authenticated and (user.is_state_staff or user.is_coordinator)):
            return self.none()
        return self.filter(voter_scope(user, "voter__"))

    def in_force(self):
        """Return suppressions that hide a voter: confirmed, or not needing confirmation, and not dismissed."""
        return self.filter(dismissed_at__isnull=True).filter(
            Q(confirmed_at__isnull=False) | ~Q(reason__in=Suppression.NEEDS_CONFIRMATION)
        )

    def hostile(self):
        """Keep the hostile reports in force: their voters' doors are hostile doors."""
        return self.in_force().filter(reason=Suppression.Reason.HOSTILE)

    def liftable(self):
        """Keep the suppressions in force at once on a leader's word, which coordinators review and lift."""
        return self.filter(reason__in=Suppression.LIFTABLE, dismissed_at__isnull=True)

    def lifted(self):
        """Keep the reviewed suppressions someone lifted, the latest first."""
        return self.filter(reason__in=Suppression.LIFTABLE, dismissed_at__isnull=False).order_by(
            "-dismissed_at", "-pk"
        )

    def pending(self):
        """Return reported moves and deaths nobody has confirmed or dismissed yet, oldest first."""
        return self.filter(Suppression.PENDING).order_by("created_at", "pk")

    def with_report_counts(self):
        """Count the leaders who reported each one's reason for its voter, and the reports dismissed before."""
        same = Suppression.objects.filter(voter=OuterRef("voter"), reason=OuterRef("reason")).order_by()
        by_voter = same.values("voter")
        dismissed = by_voter.filter(dismissed_at__isnull=False)
        return self.annotate(
            reporters=Subquery(by_voter.annotate(n=Count("created_by", distinct=True)).values("n")),
            dismissed_before=Coalesce(Subquery(dismissed.annotate(n=Count("pk")).values("n")), 0),
        )


class Suppression(models.Model):
    """Keeps a voter (or one of their numbers) off every list and export."""

    class Reason(models.TextChoices):
        MOVED = "moved", "Moved"
        DECEASED = "deceased", "Deceased"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        DISCONNECTED = "disconnected", "Disconnected"
        HOSTILE = "hostile", "Hostile"
        DO_NOT_CONTACT = "do_not_contact", "Do not contact"

    NEEDS_CONFIRMATION = (Reason.MOVED, Reason.DECEASED)
    # In force on one leader's word (hostile protects the next leader at once), so a coordinator
    # reviews them afterwards and lifts what was wrong.
    LIFTABLE = (Reason.HOSTILE, Reason.DO_NOT_CONTACT, Reason.WRONG_NUMBER, Reason.DISCONNECTED)
    # A wrong or disconnected number says nothing about the voter's mailbox.
    APPLY_TO_MAIL = (Reason.MOVED, Reason.DECEASED, Reason.HOSTILE, Reason.DO_NOT_CONTACT)
    PENDING = Q(reason__in=NEEDS_CONFIRMATION, confirmed_at__isnull=True, dismissed_at__isnull=True)

    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="suppressions")
    phone = models.ForeignKey(
        Phone, null=True, blank=True, on_delete=models.CASCADE, related_name="suppressions",
        help_text="Set for wrong and disconnected numbers: the number is suppressed, not the voter.",
    )  # fmt: skip
    reason = models.CharField(max_length=20, choices=Reason.choices)
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="suppressions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # A dismissed report was wrong: it hides nobody, and a later report starts a new row.
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(
        blank=True, help_text="Why it was lifted, in the words of who lifted it."
    )
    # Decisions can be undone (both dates cleared): the ID rollup finds every change by this.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["voter", "reason"]),
            # The reports waiting for a coordinator, counted in their menu on every page. This is
            # PENDING spelled out: Meta cannot see the class body.
            models.Index(
                fields=["created_at"],
                condition=Q(
                    reason__in=["moved", "deceased"], confirmed_at__isnull=True, dismissed_at__isnull=True
                ),
                name="suppression_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="suppression_confirmed_or_dismissed",
                condition=Q(confirmed_at__isnull=True) | Q(dismissed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.get_reason_display()

    @property
    def decision(self) -> str:
        """Who decided on a reported move or death, or lifted a suppression, and when; "" while none did."""
        if self.confirmed_at:
            return f"confirmed by {self.confirmed_by} on {_when(self.confirmed_at)}"
        if self.dismissed_at and self.reason in self.LIFTABLE:
            said = f"lifted by {self.dismissed_by} on {_when(self.dismissed_at)}"
            return f"{said}: {self.decision_note}" if self.decision_note else said
        if self.dismissed_at:
            return f"dismissed by {self.dismissed_by} on {_when(self.dismissed_at)}"
        return ""


def _when(moment) -> str:
    return dateformat.format(timezone.localtime(moment), "j M Y, H:i")


def get_report_for(user, pk) -> Suppression:
    """Fetch a reported move or death the user may decide on, or 404 as if it did not exist."""
    reports = Suppression.objects.visible_to(user).filter(reason__in=Suppression.NEEDS_CONFIRMATION)
    return get_object_or_404(reports.select_related("voter"), pk=pk)


def get_suppression_for(user, pk) -> Suppression:
    """Fetch a hostile, do-not-contact or phone suppression the user may review, or 404 as if it did not exist."""
    suppressions = Suppression.objects.visible_to(user).filter(reason__in=Suppression.LIFTABLE)
    return get_object_or_404(suppressions.select_related("voter"), pk=pk)


# --- the export audit: every file of voter or people data sent out ------------------------------------


class ExportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every export; anyone else the exports they made themselves."""
        if not user.is_authenticated:
            return self.none()
        return self if user.is_state_staff else self.filter(user=user)


class Export(models.Model):
    """The audit row of one file of voter or people data sent out: who, when, what, how many rows, its SHA-256, from where.

    Written before the first byte is sent and completed after the last one, so an export cut off
    midway still shows (without a hash). Every export path (the VAN export, candidates' mail lists)
    writes one, and so do staff's downloads of people (the recruitment tree, leader lists), the
    admin's exports of phones and scores, an import's rejected rows, and this audit itself.
    """

    class Kind(models.TextChoices):
        VAN = "van", "VAN contact results"
        MAIL = "mail", "Mail list"
        TREE = "tree", "Recruitment tree"
        LEADERS = "leaders", "Leader list"
        PHONES = "phones", "Phone numbers (admin)"
        SCORES = "scores", "Partisanship scores (admin)"
        AUDIT = "audit", "Export audit"
        REJECTS = "rejects", "Rejected rows of an import"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    purpose = models.CharField(max_length=40, blank=True, help_text="Persuasion, GOTV, custom…")
    filters = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(max_length=200)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the exact bytes sent.")
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = ExportQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["user", "-started_at"])]
        constraints = [
            models.CheckConstraint(
                name="export_finished_with_rows_and_hash",
                condition=Q(finished_at=None) | (~Q(rows=None) & ~Q(sha256="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.user}, {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_complete(self) -> bool:
        return self.finished_at is not None


def get_export_for(user, pk) -> Export:
    """Fetch an export's audit row the user sees, or 404 as if it did not exist."""
    return get_object_or_404(Export.objects.visible_to(user).select_related("user"), pk=pk)


class PlausibilityFlagQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every flag; a coordinator those of their counties; nobody else any."""
        if not user.is_authenticated:
            return self.none()
        if user.is_state_staff:
            return self
        if user.is_coordinator:
            return self.filter(county__in=list(user.counties))
        return self.none()

    def open(self):
        return self.filter(status=PlausibilityFlag.Status.OPEN)


class PlausibilityFlag(models.Model):
    """A set of one leader's attempts that looks made up, held for their county's coordinator to judge.

    Written by contacts.plausibility, set-based; `key` names the set (a sync batch, the first attempt
    of a run) so that flagging the same attempts again writes nothing.
    """

    class Rule(models.TextChoices):
        SPEED = "speed", "Doors too far apart for the time between them"
        CONTACT_RATE = "contact_rate", "Door contact rate near 100 %"
        CLOCK = "clock", "Device times far from their arrival"
        LOCATION = "location", "Knocks far from the door"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for review"
        CONFIRMED = "confirmed", "Confirmed fine"
        ROLLED_BACK = "rolled_back", "Rolled back"

    rule = models.CharField(max_length=20, choices=Rule.choices)
    key = models.TextField(help_text="What the flag covers, for its rule: a batch, a run of knocks.")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    county = models.TextField(db_collation="C", help_text="Where the doors are: whose coordinator decides.")
    reason = models.TextField(help_text="Why, in plain words.")
    attempt_ids = ArrayField(models.BigIntegerField())
    first_at = models.DateTimeField(help_text="The first attempt's device time.")
    last_at = models.DateTimeField(help_text="The last attempt's device time.")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_default="open")
    # The audit of the decision: who, when, and how many attempts and suppressions it withdrew.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_attempts = models.IntegerField(default=0, db_default=0)
    withdrawn_suppressions = models.IntegerField(default=0, db_default=0)

    objects = PlausibilityFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "leader", "key"], name="one_flag_per_rule_leader_key"),
            models.CheckConstraint(
                name="flag_decided_when_closed",
                condition=Q(status="open") | Q(decided_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["county", "status"])]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.reason}"

    @property
    def attempt_count(self) -> int:
        return len(self.attempt_ids)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def attempts_seen_by(self, user):
        """Return the flag's attempts the user sees, in the order the phone entered them."""
        return (
            ContactAttempt.objects.visible_to(user)
            .filter(pk__in=self.attempt_ids)
            .select_related("voter", "household", "voter__household")
            .order_by("device_time", "pk")
        )


def get_flag_for(user, pk) -> PlausibilityFlag:
    """Fetch a plausibility flag the user may judge, or 404 as if it did not exist."""
    return get_object_or_404(PlausibilityFlag.objects.visible_to(user).select_related("leader"), pk=pk)


class PlausibilityWatermark(models.Model):
    """How far the plausibility sweep has read the attempts, by arrival: one row."""

    checked_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"Checked attempts received until {self.checked_until}"
