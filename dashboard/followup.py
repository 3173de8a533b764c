"""Follow-up: the people staff or a coordinator should reach today, one list per reason, one query each.

Stalled leaders, approved leaders whose turf is empty, prospects never invited, invites never
accepted and yeses at the ask nobody followed up. Each list is one query whatever the number of
leaders (the last contact and the newest link are correlated subqueries on indexed columns).

A "yes" at the ask becomes a prospect at the door (`Attendee.prospect`), emailed a sign-up link when
they gave an email; one with no email shows among the prospects never invited (call them). A yes
still needs someone here when no prospect was made of it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat, Lower, Trim
from django.utils import timezone

from contacts.models import ContactAttempt
from events.models import Attendee
from leaders.models import Invitation, LeaderProfile
from turf.models import Entry

Stage = LeaderProfile.Stage

# Stages at which a leader holds turf and is expected to report contacts.
WITH_TURF = [Stage.TURF_DELIVERED, Stage.FIRST_CONTACT, Stage.GATHERING_HELD, Stage.RECRUITED]
# Approved and not gone: a leader who should have neighbors on their lists.
APPROVED_ON = [Stage.APPROVED, *WITH_TURF]


def _profiles(user) -> QuerySet:
    return LeaderProfile.objects.visible_to(user).select_related("user", "coordinator", "recruiter")


def stalled(user, now: datetime) -> QuerySet:
    """Leaders with turf who reported no call or knock for STALLED_AFTER_DAYS (or none since turf).

    `last_contact_at` is their newest attempt; without one, the day their stage last moved counts.
    """
    since = now - timedelta(days=settings.STALLED_AFTER_DAYS)
    newest = ContactAttempt.objects.filter(leader=OuterRef("user")).order_by("-device_time")
    recent = ContactAttempt.objects.filter(leader=OuterRef("user"), device_time__gte=since)
    return (
        _profiles(user)
        .filter(stage__in=WITH_TURF, user__is_active=True)
        # Most leaders reported lately: one index probe drops them before the newest attempt is looked up.
        .exclude(Exists(recent))
        .annotate(last_contact_at=Subquery(newest.values("device_time")[:1]))
        .annotate(quiet_since=Coalesce("last_contact_at", "stage_changed_at"))
        .filter(quiet_since__lt=since)
        .order_by("quiet_since", "pk")
    )


def empty_turf(user) -> QuerySet:
    """Approved leaders with no neighbor on an active list this cycle."""
    listed = Entry.objects.filter(
        turf__leader=OuterRef("user"), turf__cycle__is_active=True, turf__status="active"
    )
    return (
        _profiles(user)
        .filter(stage__in=APPROVED_ON, user__is_active=True)
        .exclude(Exists(listed))
        .order_by("stage_changed_at", "pk")
    )


def never_invited(user) -> QuerySet:
    """Prospects nobody has sent a sign-up link yet."""
    return (
        _profiles(user)
        .prospects()
        .filter(stage=Stage.PROSPECT)
        .exclude(Exists(Invitation.objects.filter(profile=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )


def invites_unanswered(user, now: datetime) -> QuerySet:
    """Invited prospects whose newest link went out INVITE_NUDGE_DAYS ago or more and is unused."""
    newest = Invitation.objects.filter(profile=OuterRef("pk")).order_by("-created_at")
    before = now - timedelta(days=settings.INVITE_NUDGE_DAYS)
    return (
        _profiles(user)
        .prospects()
        .filter(stage=Stage.INVITED)
        # A prospect moved to "invited" by hand (a paper sign-up sheet) has no link: the move's date counts.
        .annotate(invited_at=Coalesce(Subquery(newest.values("created_at")[:1]), "stage_changed_at"))
        .filter(invited_at__lt=before)
        .order_by("invited_at", "pk")
    )


def _full_name() -> Lower:
    return Lower(Trim(Concat(F("first_name"), Value(" "), F("last_name"), output_field=TextField())))


def _attendee_name() -> Lower:
    # A walk-in no voter matched has only the name they gave, in one field.
    text = TextField()
    first = Coalesce("voter__first_name", Cast("name", text), output_field=text)
    last = Coalesce("voter__last_name", Value(""), output_field=text)
    return Lower(Trim(Concat(first, Value(" "), last, output_field=text)))


def yeses_not_followed_up(user) -> QuerySet:
    """People who said yes at the ask and have no place in the leader pipeline yet."""
    return (
        Attendee.objects.visible_to(user)
        .filter(ask=Attendee.Ask.YES, prospect__isnull=True)
        .select_related("gathering__host", "voter")
        .order_by("asked_at", "pk")
    )


# A page of a few thousand rows helps nobody: each list shows the longest-waiting this many.
ROWS_SHOWN = 50


class Rows(list):
    """The first ROWS_SHOWN rows of a list, and whether more were left off."""

    def __init__(self, rows: QuerySet):
        fetched = list(rows[: ROWS_SHOWN + 1])
        super().__init__(fetched[:ROWS_SHOWN])
        self.more = len(fetched) > ROWS_SHOWN


@dataclass(frozen=True)
class FollowUp:
    """Every follow-up list for one user, evaluated (each at most ROWS_SHOWN rows)."""

    stalled: Rows
    empty_turf: Rows
    never_invited: Rows
    invites_unanswered: Rows
    yeses: Rows

    @property
    def lists(self) -> tuple[Rows, ...]:
        return (self.stalled, self.empty_turf, self.never_invited, self.invites_unanswered, self.yeses)

    @property
    def total(self) -> int:
        return sum(len(rows) for rows in self.lists)

    @property
    def more(self) -> bool:
        return any(rows.more for rows in self.lists)


def follow_up(user, now: datetime | None = None) -> FollowUp:
    """The user's follow-up lists (staff: the state; a coordinator: their counties)."""
    now = now or timezone.now()
    return FollowUp(
        stalled=Rows(stalled(user, now)),
        empty_turf=Rows(empty_turf(user)),
        never_invited=Rows(never_invited(user)),
        invites_unanswered=Rows(invites_unanswered(user, now)),
        yeses=Rows(yeses_not_followed_up(user)),
    )
