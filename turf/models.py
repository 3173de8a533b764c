"""Turf: each leader's call list and door list for a cycle, and the record of every change to them.

A voter is on at most one list per cycle: the database enforces it (`one_list_per_voter_per_cycle`),
so a race between two cuts fails loudly instead of handing one neighbor to two leaders.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connection, models
from django.db.models import Count, Exists, F, Func, Lookup, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import get_object_or_404

from contacts.models import ContactAttempt, Household, Suppression, Voter
from contacts.signals import ListTouch
from leaders.models import LeaderProfile, User, leader_scope


class CycleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Cycle(models.Model):
    """An election cycle ("2028 General"): lists, goals and races belong to one; one is active."""

    name = models.CharField(max_length=60, unique=True)
    election_date = models.DateField()
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    pool_built_at = models.DateTimeField(
        null=True, blank=True, help_text="When the free pool was last rebuilt."
    )

    objects = CycleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_cycle"
            ),
        ]
        ordering = ["-election_date"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Cycle | None":
        return cls.objects.active().first()


# Leaders whose lists start this close are neighbors: the fair draft shares their area.
FAIRNESS_RADIUS_M = 400


class TurfQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see all turf; coordinators turf of leaders whose home is in their counties; leaders their own."""
        return self.filter(leader_scope(user, "leader__"))

    def active(self):
        return self.filter(status=Turf.Status.ACTIVE)

    def current(self):
        return self.filter(cycle__is_active=True)

    def active_for(self, user):
        """The user's own active turf this cycle: a leader's lists, nobody else's (take `.first()`)."""
        if not (user.is_authenticated and user.is_leader):
            return self.none()
        return self.filter(leader=user).current().active()

    def silent(self):
        """Keep the turf whose leader has reported no call or knock since it was cut (not active yet)."""
        return self.exclude(Exists(_reports_on_turf()))

    def of_active_leaders(self):
        """Keep the turf of active leaders: lists this cycle, at least one call or knock reported on
        them, and not moved to inactive or quit (DESIGN.md section 6). The one definition of an
        active leader: count these."""
        reported = self.current().active().filter(Exists(_reports_on_turf()))
        return reported.exclude(leader__profile__stage__in=LeaderProfile.EXITS)

    def with_first_report(self):
        """Annotate `first_report_at`: when the leader first reported a call or knock on this turf."""
        first = _reports_on_turf().order_by("device_time").values("device_time")[:1]
        return self.annotate(first_report_at=Subquery(first))

    def with_neighbor_door_median(self):
        """Annotate `neighbor_door_median_m`: the best door-list median among the other active
        leaders whose lists start within FAIRNESS_RADIUS_M of this one's (None if there are none).

        Neighbors share their area when cut (DESIGN.md: a fair draft); a leader whose median is
        far above a neighbor's was left the far doors, and staff may want to recut.
        """
        # A box first (a degree of latitude is 111 km; of longitude, at most twice as short this
        # far from the poles), then the exact distance.
        box = FAIRNESS_RADIUS_M / 111_000
        here = Func(OuterRef("latitude"), OuterRef("longitude"), function="ll_to_earth")
        there = Func(F("latitude"), F("longitude"), function="ll_to_earth")
        neighbors = (
            Turf.objects.active()
            .filter(cycle=OuterRef("cycle"), door_median_m__isnull=False)
            .filter(latitude__range=(OuterRef("latitude") - box, OuterRef("latitude") + box))
            .filter(longitude__range=(OuterRef("longitude") - 2 * box, OuterRef("longitude") + 2 * box))
            .exclude(pk=OuterRef("pk"))
            .annotate(apart=Func(here, there, function="earth_distance", output_field=models.FloatField()))
            .filter(apart__lte=FAIRNESS_RADIUS_M)
            .order_by("door_median_m")
            .values("door_median_m")[:1]
        )
        return self.annotate(neighbor_door_median_m=Subquery(neighbors))


def _reports_on_turf():
    """The calls and knocks the outer turf's leader reported since it was cut: this cycle's on it."""
    return ContactAttempt.objects.filter(leader=OuterRef("leader"), device_time__gte=OuterRef("created_at"))


class Turf(models.Model):
    """One leader's neighbors for one cycle: the lifecycle of their lists (active, locked, quit)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        QUIT = "quit", "Quit"

    class Anchor(models.TextChoices):
        HOME = "home", "Home geocode"
        PRECINCT = "precinct", "Precinct centre"
        COUNTY = "county", "County centre"
        NONE = "none", "Precinct and street order only"

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="turfs")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="turfs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    locked = models.BooleanField(default=False, help_text="A locked list changes only when unlocked.")
    # Where the lists were measured from, as of the last cut: the leader's home may move later.
    # Not who looks after the turf: that follows the leader's home as it is now (leader_scope).
    county = models.CharField(
        max_length=40, db_index=True, help_text="The leader's home county at the last cut."
    )
    precinct = models.CharField(max_length=40, blank=True)
    anchor = models.CharField(max_length=10, choices=Anchor.choices, default=Anchor.NONE)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    call_median_m = models.FloatField(null=True, blank=True)
    door_median_m = models.FloatField(null=True, blank=True)
    cut_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TurfQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "leader"], name="one_turf_per_leader_per_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.leader} · {self.cycle}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def door_median_ratio(self) -> float | None:
        """How many times farther this list's doors are than a neighbor's, when past the fairness
        factor (needs `with_neighbor_door_median()`); None when it is fair or unknown."""
        neighbor = getattr(self, "neighbor_door_median_m", None)
        if not neighbor or self.door_median_m is None:
            return None
        ratio = self.door_median_m / neighbor
        return ratio if ratio > settings.TURF_FAIRNESS_FACTOR else None

    def knocked_doors(self, household_ids) -> set[int]:
        """Return the households among these that the turf's leader has knocked this cycle (see `knocks`)."""
        at_door = knocks(self.leader_id, self.created_at).filter(household_id__in=list(household_ids))
        return set(at_door.values_list("household_id", flat=True))

    def can_edit(self, user) -> bool:
        """Return whether the user may change these lists (leaders only read their own)."""
        if user.is_state_staff:
            return True
        return user.is_coordinator and Turf.objects.visible_to(user).filter(pk=self.pk).exists()


def get_turf_for(user, pk) -> Turf:
    """Fetch turf the user may see, or 404 as if it did not exist."""
    return get_object_or_404(Turf.objects.visible_to(user).select_related("leader", "cycle"), pk=pk)


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(turf__in=Turf.objects.visible_to(user))

    def listed(self):
        """Drop voters a suppression or the voter file has taken off every list since the cut."""
        suppressed = Suppression.objects.in_force().filter(voter=OuterRef("voter"), phone__isnull=True)
        return self.filter(voter__is_registered=True).exclude(Exists(suppressed))

    def calls(self):
        return self.filter(list=Entry.List.CALL)

    def doors(self):
        return self.filter(list=Entry.List.DOOR)

    def with_called(self):
        """Annotate `called`: the turf's leader has called the voter since the voter was put on the list."""
        calls = ContactAttempt.objects.called().filter(
            voter=OuterRef("voter"), leader=OuterRef("turf__leader"), device_time__gte=OuterRef("added_at")
        )
        return self.annotate(called=Exists(calls))

    def with_knocked(self):
        """Annotate `knocked`: the turf's leader has knocked the entry's door this cycle (see `knocks`)."""
        at_door = knocks(OuterRef("turf__leader"), OuterRef("turf__created_at"))
        return self.annotate(knocked=Exists(at_door.filter(household=OuterRef("household"))))


def knocks(leader, turf_created_at):
    """The knocks that tick a door on a leader's door list: theirs since their turf of this cycle began.

    One cut-off for the door list, the knock screen's "next door" and the home screen's count. It is
    the turf's start, not the entry's: a door moved onto the list from a neighbor's, or listed
    again after a recut, that this leader knocked earlier in the cycle stays knocked.
    """
    return ContactAttempt.objects.knocked().filter(leader=leader, device_time__gte=turf_created_at)


class Entry(models.Model):
    """One voter on one leader's call list or door list."""

    class List(models.TextChoices):
        CALL = "call", "Call list"
        DOOR = "door", "Door list"

    # Indexed by (turf, list) below.
    turf = models.ForeignKey(Turf, on_delete=models.CASCADE, related_name="entries", db_index=False)
    # The turf's cycle, copied so the database itself can say "one list per voter per cycle".
    # Cycle and household are copies of what turf and voter already pin down, so they carry no
    # database foreign key: a statewide cut inserts 750,000 rows, and every key checked at commit
    # locks its target row (four keys took a third of the cut). Django still guards deletes.
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="turf_entries")
    household = models.ForeignKey(
        Household, null=True, on_delete=models.PROTECT, related_name="turf_entries", db_constraint=False
    )
    list = models.CharField(max_length=4, choices=List.choices)
    distance_m = models.FloatField(null=True, blank=True, help_text="From the turf's anchor, in metres.")
    located = models.BooleanField(default=True, help_text="False: the household has no geocode of its own.")
    added_at = models.DateTimeField(auto_now_add=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "voter"], name="one_list_per_voter_per_cycle"),
        ]
        indexes = [models.Index(fields=["turf", "list"])]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"{self.voter_id} on {self.turf}"


def get_call_entry_for(user, voter_id) -> Entry:
    """Fetch a voter's entry on the user's own call list: 404 out of scope, 403 visible but not theirs to call."""
    entry = (
        Entry.objects.visible_to(user)
        .calls()
        .listed()
        .filter(cycle__is_active=True, voter_id=voter_id)
        .select_related("turf", "voter__household")
        .first()
    )
    if entry is None:
        # A voter the user sees but nobody they look after calls: visible, not theirs to call.
        if Voter.objects.visible_to(user).filter(pk=voter_id).exists():
            raise PermissionDenied
        raise Http404
    if entry.turf.leader_id != user.pk:
        raise PermissionDenied
    return entry


class AnyOf(Lookup):
    """`field__any_of=[ids]`: one array parameter, so the SQL is the same whatever the list's length."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, list(self.rhs)]


for _name in ("voter", "household"):
    Entry._meta.get_field(_name).register_lookup(AnyOf)

# Compiled scope checks, one per user's scope, each worker's own: (SQL, the scope's parameters).
_LISTED_SQL: dict[tuple, tuple[str, tuple] | None] = {}
_LISTED_SQL_MAX = 10_000
_UNCOMPILED = object()


def _compile_listed(user) -> tuple[str, tuple] | None:
    query = (
        Entry.objects.visible_to(user)
        .filter(cycle__is_active=True)
        .filter(Q(voter_id__any_of=[]) | Q(household_id__any_of=[]))
        .values_list("voter_id", "household_id")
    )
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a role that sees no lists
        return None
    # The two lists are the query's last parameters: everything before them is the scope.
    if list(params[-2:]) != [[], []]:
        raise RuntimeError("Entry.objects.visible_to() changed shape: re-check listed_targets().")
    return sql, params[:-2]


def listed_targets(user, voter_ids, household_ids) -> list[tuple[int, int | None]]:
    """(voter, household) of each of the user's entries this cycle among these voters or households.

    The sync API asks this for every batch. The query is `Entry.objects.visible_to(user)`'s, but
    compiling it costs more than running it, so each worker compiles it once per scope (who the
    user is, their role and counties) and then only swaps the two lists in.
    """
    if not voter_ids and not household_ids:
        return []
    key = (user.pk, user.role, tuple(user.counties or ()))
    # One read of the shared dict: another thread may clear it meanwhile.
    statement = _LISTED_SQL.get(key, _UNCOMPILED)
    if statement is _UNCOMPILED:
        statement = _LISTED_SQL[key] = _compile_listed(user)
        if len(_LISTED_SQL) > _LISTED_SQL_MAX:
            _LISTED_SQL.clear()
    if statement is None:
        return []
    sql, scope = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scope, list(voter_ids), list(household_ids)])
        return cursor.fetchall()


class PoolVoter(models.Model):
    """A geocoded voter who was free and eligible for a list when the pool was last rebuilt.

    Performance, not truth: cutting one newly approved leader searches this table by distance
    (GiST), then checks every candidate against the live rules, so a stale row costs a little time
    and never a wrong listing. Full cuts rebuild it; list writes keep it current; voters who became
    eligible since (a new voter-file edition) join at the next rebuild (`cut_turf --refresh-pool`).
    """

    voter_id = models.BigIntegerField(primary_key=True)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    latitude = models.FloatField()
    longitude = models.FloatField()
    call = models.BooleanField()
    door = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.voter_id} free in {self.cycle_id}"


class ChangeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(turf__in=Turf.objects.visible_to(user))


class Change(models.Model):
    """Who changed which turf, when, and how: one row per action, never edited."""

    class Action(models.TextChoices):
        CUT = "cut", "Cut"
        RECUT = "recut", "Recut"
        CARRY_OVER = "carry_over", "Carried over from the last cycle"
        ADD = "add", "Added voters"
        REMOVE = "remove", "Removed voters"
        MOVE_IN = "move_in", "Voters moved in"
        MOVE_OUT = "move_out", "Voters moved out"
        LOCK = "lock", "Locked"
        UNLOCK = "unlock", "Unlocked"
        QUIT = "quit", "Leader quit"
        HOME = "home", "Home linked"

    turf = models.ForeignKey(Turf, null=True, blank=True, on_delete=models.CASCADE, related_name="changes")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the cutter ran on its own (a task or the command).",
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    added = ArrayField(models.BigIntegerField(), default=list, blank=True, help_text="Voter IDs.")
    removed = ArrayField(models.BigIntegerField(), default=list, blank=True, help_text="Voter IDs.")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.leader} · {self.created_at:%Y-%m-%d %H:%M}"


# --- Who sees what (DESIGN.md section 8): the one rule every page, API, count and check derives from.
#
# State staff see everything. A leader sees their own turf and gatherings, and the voters and doors
# on their own active lists this cycle. A coordinator sees
#   - the leaders whose home (their own voter record, as the voter file has it now) is in their
#     counties, those leaders' turf in every cycle with every entry on it, and their gatherings;
#   - the voters and households of their counties, and every voter and household on those leaders'
#     lists, wherever they live (a list may cross a county line);
#   - the suppressions, numbers, IDs and attempts of the voters and doors they see (contacts asks
#     voter_scope and household_scope, registered in turf/apps.py).
# Anyone else sees none of it. Turf's own `county` is where it was cut from, never who looks after it.
# The rules are conditions on a path to a leader, voter or door, so other models (and other apps:
# contacts through its registry, events through leader_scope, which leaders owns) filter through
# them instead of restating them: Voter.objects.visible_to(user), Household.objects.visible_to(user).


def _nothing(path: str) -> Q:
    return Q(**{f"{path}pk__in": []})


def _on_coordinated_lists(user, field: str, outer: str) -> Exists:
    """Whether the row at `outer` is the `field` of an entry on a list of a leader the coordinator sees."""
    entries = Entry.objects.filter(leader_scope(user, "turf__leader__"))
    return Exists(entries.filter(**{field: OuterRef(outer)}))


def _on_own_lists(user, field: str) -> models.QuerySet:
    mine = Entry.objects.filter(turf__leader=user, turf__status=Turf.Status.ACTIVE, cycle__is_active=True)
    return mine.values(field)


def voter_scope(user, to_voter: str = "") -> Q:
    """The voters the user sees, as a condition on the path to a voter ("" on Voter, "voter__" on a suppression)."""
    if not user.is_authenticated:
        return _nothing(to_voter)
    if user.is_state_staff:
        return Q()
    if user.is_coordinator:
        in_counties = Q(**{f"{to_voter}county__in": list(user.counties)})
        return in_counties | Q(_on_coordinated_lists(user, "voter", f"{to_voter}pk"))
    if user.is_leader:
        return Q(**{f"{to_voter}pk__in": _on_own_lists(user, "voter_id")})
    return _nothing(to_voter)


def household_scope(user, to_household: str = "") -> Q:
    """The households the user sees (doors of the voters above), as a condition on the path to one."""
    if not user.is_authenticated:
        return _nothing(to_household)
    if user.is_state_staff:
        return Q()
    if user.is_coordinator:
        in_counties = Q(**{f"{to_household}county__in": list(user.counties)})
        return in_counties | Q(_on_coordinated_lists(user, "household", f"{to_household}pk"))
    if user.is_leader:
        return Q(**{f"{to_household}pk__in": _on_own_lists(user, "household_id")})
    return _nothing(to_household)


def list_touches(voters_sql: str, params) -> list[ListTouch]:
    """Count, per county and leader, the entries shown on active lists this cycle of the voters that
    `voters_sql` selects (id, county): what unregistering them would take off those lists.

    contacts asks this before an import unregisters anyone (registered in TurfConfig.ready()).
    """
    rows = list(
        Entry.objects.filter(cycle__is_active=True, turf__status=Turf.Status.ACTIVE)
        .listed()
        # contacts' own SQL over its own tables, with parameters: no user input is spliced in.
        .filter(voter_id__in=RawSQL(f"SELECT id FROM ({voters_sql}) AS voters", params))  # noqa: S608, S611
        .values_list("voter__county", "turf__leader_id")
        .annotate(entries=Count("pk"))
        .order_by()
    )
    leaders = User.objects.in_bulk({leader_id for _, leader_id, _ in rows})
    return [ListTouch(county, str(leaders[leader_id]), entries) for county, leader_id, entries in rows]
