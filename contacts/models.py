"""The voter file and everything learned about voters: contacts, party IDs, suppressions.

Voters are keyed by the Secretary of State's Voter ID, which is stable across editions, so contact
history stays joinable to a voter whatever the next file says.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Household(models.Model):
    """One door: the voters at one normalized residential address, unit included."""

    address_key = models.CharField(max_length=300, unique=True)
    house_number = models.IntegerField(null=True, blank=True)
    house_suffix = models.CharField(max_length=20, blank=True)
    pre_direction = models.CharField(max_length=4, blank=True)
    street_name = models.CharField(max_length=100, blank=True)
    street_type = models.CharField(max_length=20, blank=True)
    post_direction = models.CharField(max_length=4, blank=True)
    unit_type = models.CharField(max_length=20, blank=True)
    unit_number = models.CharField(max_length=20, blank=True)
    non_standard_address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, default="MO")
    zip_code = models.CharField(max_length=10, blank=True)
    county = models.CharField(max_length=40, db_index=True)
    precinct = models.CharField(max_length=40, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geocode_match = models.CharField(max_length=20, blank=True)
    street_side = models.CharField(max_length=1, blank=True, help_text="L or R, from the geocoder.")

    class Meta:
        indexes = [models.Index(fields=["county", "precinct", "street_name", "house_number"])]

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


class VoterQuerySet(models.QuerySet):
    def registered(self):
        return self.filter(is_registered=True)


class Voter(models.Model):
    """A registered (or formerly registered) Missouri voter, as the PSR file describes them."""

    id = models.BigIntegerField(primary_key=True, help_text="The Secretary of State's Voter ID.")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="voters"
    )
    first_name = models.CharField(max_length=60, blank=True)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60, blank=True)
    suffix = models.CharField(max_length=10, blank=True)
    birth_year = models.SmallIntegerField(null=True, blank=True)
    declared_party = models.CharField(max_length=40, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, blank=True)
    county = models.CharField(max_length=40, db_index=True)
    precinct = models.CharField(max_length=40, blank=True)
    precinct_name = models.CharField(max_length=100, blank=True)
    split = models.CharField(max_length=40, blank=True)
    township = models.CharField(max_length=60, blank=True)
    ward = models.CharField(max_length=40, blank=True)
    # District codes keep their map year ("20 CN 6"), so two maps never mix silently.
    congressional_district = models.CharField(max_length=20, blank=True, db_index=True)
    legislative_district = models.CharField(max_length=20, blank=True, db_index=True)
    senate_district = models.CharField(max_length=20, blank=True, db_index=True)
    mailing_address = models.CharField(max_length=200, blank=True)
    mailing_city = models.CharField(max_length=60, blank=True)
    mailing_state = models.CharField(max_length=2, blank=True)
    mailing_zip = models.CharField(max_length=10, blank=True)
    is_registered = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VoterQuerySet.as_manager()

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        parts = [self.first_name, self.middle_name[:1], self.last_name, self.suffix]
        return " ".join(part for part in parts if part)


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

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "number"], name="phone_unique_per_voter")]


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


class Channel(models.TextChoices):
    DOOR = "door", "Door"
    PHONE = "phone", "Phone"
    PAPER = "paper", "Paper sheet"


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
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey(Voter, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    result = models.CharField(max_length=20, choices=Result.choices)
    note = models.TextField(blank=True)
    device_time = models.DateTimeField(help_text="When the leader entered it, by the device's clock.")
    received_at = models.DateTimeField(auto_now_add=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="attempt_has_target", condition=Q(voter__isnull=False) | Q(household__isnull=False)
            ),
        ]
        indexes = [models.Index(fields=["leader", "-device_time"])]


class PartyID(models.Model):
    """A voter's party preference as told to a leader, on the 1-5 scale or refused."""

    class Value(models.IntegerChoices):
        STRONG_DEM = 1, "1 Strong Dem"
        LEAN_DEM = 2, "2 Lean Dem"
        UNDECIDED = 3, "3 Undecided/Independent"
        LEAN_REP = 4, "4 Lean Rep"
        STRONG_REP = 5, "5 Strong Rep"
        REFUSED = 9, "Refused"

    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="party_ids")
    value = models.SmallIntegerField(choices=Value.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="party_ids"
    )
    source = models.CharField(max_length=60, blank=True, help_text="Field app, paper sheet, import…")
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["voter", "-recorded_at"])]


class LeaderMark(models.Model):
    """A leader's own 'I know them: Democrat' mark on a neighbor, the weakest party signal."""

    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="leader_marks")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "leader"], name="one_mark_per_leader")]


class SuppressionQuerySet(models.QuerySet):
    def in_force(self):
        """Return suppressions that hide a voter: confirmed, or not needing confirmation."""
        return self.filter(Q(confirmed_at__isnull=False) | ~Q(reason__in=Suppression.NEEDS_CONFIRMATION))


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

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["voter", "reason"])]
