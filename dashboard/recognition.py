"""Recognition: who recruited the most leaders and who reported the most contacts this cycle.

Staff see the boards statewide or by county, coordinators for their counties, to thank people;
a leader sees only their own standing (rank and count), never anyone else's name. Each board is
one grouped query; a standing is two (the leader's count, then how many leaders did more).
"""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from contacts.models import ContactAttempt
from dashboard.progress import Scope
from dashboard.summary import cycle_began
from leaders.models import LeaderProfile, User
from turf.models import Cycle

BOARD_SIZE = 25


@dataclass(frozen=True)
class Place:
    rank: int
    leader_id: int
    name: str
    county: str
    count: int


def _recruits(cycle: Cycle) -> QuerySet:
    """Leaders who signed up this cycle, one row each, by their recruiter (a leader)."""
    return LeaderProfile.objects.filter(
        user__isnull=False, created_at__gte=cycle_began(cycle), recruiter__role=User.Role.LEADER
    )


def _contacts(cycle: Cycle) -> QuerySet:
    """Calls and knocks reported this cycle, one row each, by their leader."""
    return ContactAttempt.objects.filter(device_time__gte=cycle_began(cycle), leader__role=User.Role.LEADER)


BOARDS = {
    "recruiters": ("Recruiters", "leaders recruited", _recruits, "recruiter__"),
    "active": ("Most active leaders", "calls and knocks", _contacts, "leader__"),
}


def _board(rows: QuerySet, path: str, scope: Scope) -> list[Place]:
    grouped = (
        rows.filter(scope.leaders(path))
        .order_by()
        .values(f"{path}pk", f"{path}first_name", f"{path}last_name", f"{path}email", f"{path}voter__county")
        .annotate(n=Count("pk"))
        .order_by("-n", f"{path}pk")[:BOARD_SIZE]
    )
    places, rank, previous = [], 0, None
    for position, row in enumerate(grouped, 1):
        if row["n"] != previous:
            rank, previous = position, row["n"]
        name = f"{row[f'{path}first_name']} {row[f'{path}last_name']}".strip() or row[f"{path}email"]
        places.append(Place(rank, row[f"{path}pk"], name, row[f"{path}voter__county"] or "", row["n"]))
    return places


def boards(cycle: Cycle, scope: Scope) -> dict[str, list[Place]]:
    """Each leaderboard of the scope: the top leaders by count, ties sharing a rank."""
    return {key: _board(rows(cycle), path, scope) for key, (_, _, rows, path) in BOARDS.items()}


@dataclass(frozen=True)
class Standing:
    title: str
    unit: str
    count: int
    rank: int | None  # None: nothing counted yet
    of: int  # leaders on the board


def standing(cycle: Cycle, leader: User) -> list[Standing]:
    """The leader's own place on each statewide board: their count and rank, nobody else's."""
    mine = []
    for title, unit, rows, path in BOARDS.values():
        by_leader = rows(cycle).order_by().values(f"{path}pk").annotate(n=Count("pk"))
        count = rows(cycle).filter(**{f"{path}pk": leader.pk}).count()
        ahead = by_leader.filter(n__gt=count).count() if count else None
        mine.append(Standing(title, unit, count, None if ahead is None else ahead + 1, by_leader.count()))
    return mine
