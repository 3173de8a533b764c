"""Follow-up: the people staff or a coordinator should reach today, one list per reason, one query each.

Stalled leaders, approved leaders whose turf is empty, prospects never invited, invites never
accepted and yeses at the ask nobody followed up. A page of a list is one query whatever the number
of leaders, its rows and the count of all (the last contact and the newest link are correlated
subqueries on indexed columns).

A "yes" at the ask becomes a prospect at the door (`Attendee.prospect`), emailed a sign-up link when
they gave an email; one with no email shows among the prospects never invited (call them). A yes
still needs someone here when no prospect was made of it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, TextField, Value, Window
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

    `last_contact_at` is their newest attempt; without one, the day their stage last moved counts
    (`quiet_since`, the order).
    """
    since = now - timedelta(days=settings.STALLED_AFTER_DAYS)
    attempts = ContactAttempt.objects.filter(leader=OuterRef("user"))
    newest = attempts.order_by("-device_time").values("device_time")[:1]
    return (
        _profiles(user)
        .filter(stage__in=WITH_TURF, user__is_active=True)
        # Nothing since: one index probe each, and the newest attempt of no one who reported lately.
        .exclude(Exists(attempts.filter(device_time__gte=since)))
        # Quiet since before then: any attempt is older now, so only a leader without one needs their
        # stage's move to be. The count of the list reads no leader's newest attempt.
        .filter(Q(stage_changed_at__lt=since) | Exists(attempts))
        .annotate(last_contact_at=Subquery(newest))
        .annotate(quiet_since=Coalesce("last_contact_at", "stage_changed_at"))
        .order_by("quiet_since", "pk")
    )


def empty_turf(user, now: datetime) -> QuerySet:
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


def never_invited(user, now: datetime) -> QuerySet:
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


def yeses_not_followed_up(user, now: datetime) -> QuerySet:
    """People who said yes at the ask and have no place in the leader pipeline yet."""
    return (
        Attendee.objects.visible_to(user)
        .filter(ask=Attendee.Ask.YES, prospect__isnull=True)
        .select_related("gathering__host", "voter")
        .order_by("asked_at", "pk")
    )


# A page of a few thousand rows helps nobody: the follow-up page shows each list's longest-waiting
# this many with the count of all; "show all" pages through one list PAGE_SIZE rows at a time.
ROWS_SHOWN = 10
PAGE_SIZE = 50


class Rows(list):
    """One page of a list, longest-waiting first: its rows, the count of all (`total`) and the `page`.

    The count comes with the rows, a window over the whole list: one query a page, where a count
    and then the page would find every row of the list twice.
    """

    def __init__(self, rows: QuerySet, per_page: int, number=1):
        paginator = Paginator(rows, per_page)
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        start = (number - 1) * per_page
        fetched = list(rows.annotate(listed=Window(Count("pk")))[start : start + per_page])
        if fetched or number == 1:
            paginator.count = fetched[0].listed if fetched else 0
            self.page = Page(fetched, number, paginator)
        else:  # past the end (the list got shorter): its last page
            self.page = paginator.get_page(number)
        super().__init__(self.page.object_list)
        self.total = paginator.count
        self.more = self.page.has_next()


# Each list (a function of the user and now) by the name its page goes by, in the page's order.
LISTS = {
    "stalled": stalled,
    "empty_turf": empty_turf,
    "never_invited": never_invited,
    "invites_unanswered": invites_unanswered,
    "yeses": yeses_not_followed_up,
}


@dataclass(frozen=True)
class FollowUp:
    """The follow-up lists for one user, evaluated: each list's first page, or one list's page of them."""

    stalled: Rows | None = None
    empty_turf: Rows | None = None
    never_invited: Rows | None = None
    invites_unanswered: Rows | None = None
    yeses: Rows | None = None

    @property
    def lists(self) -> tuple[Rows, ...]:
        found = (self.stalled, self.empty_turf, self.never_invited, self.invites_unanswered, self.yeses)
        return tuple(rows for rows in found if rows is not None)

    @property
    def total(self) -> int:
        return sum(rows.total for rows in self.lists)

    @property
    def more(self) -> bool:
        return any(rows.more for rows in self.lists)


def follow_up(user, now: datetime | None = None) -> FollowUp:
    """The user's follow-up lists (staff: the state; a coordinator: their counties), ROWS_SHOWN of each."""
    now = now or timezone.now()
    return FollowUp(**{name: Rows(rows(user, now), ROWS_SHOWN) for name, rows in LISTS.items()})


def follow_up_list(user, name: str, number=1, now: datetime | None = None) -> FollowUp:
    """Page `number` of one follow-up list (PAGE_SIZE rows); `name` is a key of LISTS."""
    now = now or timezone.now()
    return FollowUp(**{name: Rows(LISTS[name](user, now), PAGE_SIZE, number)})
