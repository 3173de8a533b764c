"""The shared ID database's tables: what candidates may see, one row per voter, and its aggregates.

These models live in the `shared` database (contacts.routers), never in `default`, and hold no key
into it: a voter is named by the state voter ID. The rollup (contacts/rollup.py) is their only
writer; candidate-facing code reads them through `SharedVoter.objects.for_candidates()`, a
connection whose role may only SELECT. Nothing here says who knocked, what was noted, or a phone.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models

from contacts.routers import SHARED_READER


class TierSource(models.TextChoices):
    CONVERSATION = "conversation", "A conversation with a leader"
    VOTER_FILE = "voter_file", "Party declared on the voter file"
    MODEL_SCORE = "model_score", "Model score"


class SharedQuerySet(models.QuerySet):
    def for_candidates(self):
        """Read through the connection whose role may only SELECT the shared tables."""
        return self.using(SHARED_READER)


class SharedVoter(models.Model):
    """One registered voter as candidates may see them: address, districts, history, current ID tier."""

    voter_id = models.BigIntegerField(primary_key=True, help_text="The Secretary of State's Voter ID.")
    van_id = models.BigIntegerField(null=True, help_text="The voter's VANID, when the party has loaded it.")
    first_name = models.TextField()
    middle_name = models.TextField()
    last_name = models.TextField()
    suffix = models.TextField()
    household_key = models.TextField(db_collation="C", help_text="Voters with the same key share a door.")
    residence_line = models.TextField(help_text="The street address, without the apartment or unit.")
    residence_unit = models.TextField(default="", help_text='The apartment or unit ("APT 2B"), if any.')
    residence_city = models.TextField()
    residence_state = models.TextField()
    residence_zip = models.TextField()
    mailing_address = models.TextField()
    mailing_city = models.TextField()
    mailing_state = models.TextField()
    mailing_zip = models.TextField()
    county = models.TextField(db_collation="C")
    precinct = models.TextField(db_collation="C")
    precinct_name = models.TextField()
    split = models.TextField()
    township = models.TextField()
    ward = models.TextField()
    congressional_district = models.TextField()
    legislative_district = models.TextField()
    senate_district = models.TextField()
    # Every district code of every map the voter file carried ("20 CN 6", "25 CN 5", "20 LE 003").
    districts = ArrayField(models.TextField())
    registration_status = models.TextField(help_text="Active or Inactive, as the voter file says.")
    registered_on = models.DateField(null=True)
    # The voter file's history (up to 20 elections, most recent first) summed up, and each date.
    elections_voted = models.SmallIntegerField()
    generals_voted = models.SmallIntegerField()
    primaries_voted = models.SmallIntegerField()
    last_voted_on = models.DateField(null=True)
    voted_on = ArrayField(models.DateField())
    tier = models.SmallIntegerField(null=True, help_text="1 Strong Dem … 5 Strong Rep; empty when unknown.")
    tier_source = models.TextField(choices=TierSource.choices, blank=True)
    tier_channel = models.TextField(blank=True, help_text="door, phone or paper, for a conversation.")
    tier_on = models.DateField(null=True)
    model_score = models.SmallIntegerField(null=True)
    contacted = models.BooleanField(help_text="A leader talked with them or at their door.")
    mail_suppressions = ArrayField(models.TextField(), help_text="Why they must get no mail, if so.")

    objects = SharedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["county", "precinct"]),
            GinIndex(fields=["districts"]),
            models.Index(fields=["household_key"]),
        ]
        constraints = [
            models.CheckConstraint(name="shared_tier_1_to_5", condition=models.Q(tier__range=(1, 5))),
        ]

    def __str__(self) -> str:
        return f"Voter {self.voter_id}"


class SharedAggregate(models.Model):
    """Counts for one county, precinct, township, ward or district code, kept by the rollup."""

    class Kind(models.TextChoices):
        COUNTY = "county", "County"
        PRECINCT = "precinct", "Precinct"
        TOWNSHIP = "township", "Township"
        WARD = "ward", "Ward"
        DISTRICT = "district", "District"

    kind = models.TextField(choices=Kind.choices)
    # Precincts, townships and wards are named within their election authority; districts are not.
    county = models.TextField(db_collation="C", blank=True)
    code = models.TextField(db_collation="C")
    voters = models.IntegerField()
    tier_1 = models.IntegerField()
    tier_2 = models.IntegerField()
    tier_3 = models.IntegerField()
    tier_4 = models.IntegerField()
    tier_5 = models.IntegerField()
    unidentified = models.IntegerField()
    from_conversation = models.IntegerField()
    from_voter_file = models.IntegerField()
    from_model_score = models.IntegerField()
    contacted = models.IntegerField()
    suppressed = models.IntegerField()

    objects = SharedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "county", "code"], name="one_aggregate_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class RollupState(models.Model):
    """The rollup's watermark and, while a run is unfinished, where it got to (one row, id 1).

    Written in the shared database's transaction of each chunk, so the data and the progress that
    describes it commit together or not at all.
    """

    watermark = models.DateTimeField(null=True, help_text="Everything touched before this is rolled up.")
    run_full = models.BooleanField(default=False)
    run_since = models.DateTimeField(null=True, help_text="The unfinished run rolls up what changed since.")
    run_target = models.DateTimeField(null=True, help_text="The watermark the unfinished run will set.")
    run_after = models.BigIntegerField(null=True, help_text="The unfinished run has done voters up to here.")
    run_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"Rolled up to {self.watermark}"


class RollupRun(models.Model):
    """One run of the rollup, for staff and /healthz: when, how much, and whether it finished."""

    full = models.BooleanField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    watermark = models.DateTimeField(help_text="Changes up to this moment are in the shared database.")
    voters_touched = models.IntegerField(default=0)
    rows_changed = models.IntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Rollup of {self.started_at:%Y-%m-%d %H:%M}"
