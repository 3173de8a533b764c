"""The recruitment tree: who recruited whom, by generation, with each leader's downline (DESIGN.md 6).

One recursive query walks every generation at once (WITH RECURSIVE over leaders' profiles), so
its cost grows with the number of people, never with one query per level. A profile whose
recruiter is nobody, or someone with no profile (staff), starts a tree: generation 1.
Filters choose the rows shown; generations and downlines always count the whole tree.
"""

from dataclasses import dataclass
from datetime import date, datetime

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from contacts.exports import audited_csv_response
from contacts.models import Export
from events.models import Attendee, Gathering
from leaders.models import LeaderProfile, User
from turf.models import Cycle, Turf

# {start}: which profiles start the walk; {where}: which rows come back. Both are fixed SQL with
# %s parameters, chosen below; nothing a user typed is ever formatted into the statement.
TREE_SQL = """
WITH RECURSIVE tree AS (
    SELECT p.id, p.user_id, {generation} AS generation, ARRAY[p.id] AS path
    FROM leaders_leaderprofile p
    WHERE {start}
  UNION ALL
    SELECT c.id, c.user_id, t.generation + 1, t.path || c.id
    FROM tree t JOIN leaders_leaderprofile c ON c.recruiter_id = t.user_id
    WHERE c.id <> ALL (t.path)
),
downline AS (
    SELECT ancestor, count(*) - 1 AS size FROM tree, unnest(tree.path) AS ancestor GROUP BY ancestor
),
shown AS (
    SELECT t.id, t.generation, d.size, t.path, count(*) OVER () AS total
    FROM tree t JOIN downline d ON d.ancestor = t.id {filter_joins}
    WHERE {where}
    ORDER BY t.path
    LIMIT %s OFFSET %s
)
SELECT s.id, s.generation, s.size, p.stage, p.created_at,
       coalesce(nullif(trim(concat_ws(' ', u.first_name, u.last_name)), ''), u.email,
                trim(concat_ws(' ', p.first_name, p.last_name))) AS name,
       coalesce(v.county, p.county) AS county,
       coalesce(nullif(trim(concat_ws(' ', r.first_name, r.last_name)), ''), r.email, '') AS recruiter,
       s.total
FROM shown s
JOIN leaders_leaderprofile p ON p.id = s.id
LEFT JOIN leaders_user u ON u.id = p.user_id
LEFT JOIN contacts_voter v ON v.id = u.voter_id
LEFT JOIN leaders_user r ON r.id = p.recruiter_id
ORDER BY s.path
"""
# Only filters need each person's row before the page is cut: names are joined for the page alone.
FILTER_JOINS = """
    JOIN leaders_leaderprofile p ON p.id = t.id
    LEFT JOIN leaders_user u ON u.id = p.user_id
    LEFT JOIN contacts_voter v ON v.id = u.voter_id"""

WHOLE_TREE = "NOT EXISTS (SELECT 1 FROM leaders_leaderprofile rp WHERE rp.user_id = p.recruiter_id)"
ONES_OWN = "p.user_id = %s"


@dataclass(frozen=True)
class TreeRow:
    profile_id: int
    generation: int
    downline: int
    stage: str
    joined: datetime
    name: str
    county: str
    recruiter: str

    @property
    def stage_label(self) -> str:
        return LeaderProfile.Stage(self.stage).label


@dataclass(frozen=True)
class TreeFilter:
    """Which rows to show: one county, the people recruited in one cycle."""

    county: str = ""
    cycle: Cycle | None = None

    def as_dict(self) -> dict:
        return {"county": self.county, "cycle": self.cycle.name if self.cycle else ""}


def cycle_window(cycle: Cycle) -> tuple[date | None, date]:
    """Return the dates a cycle's recruiting runs between: after the previous election, up to its own."""
    previous = (
        Cycle.objects.filter(election_date__lt=cycle.election_date)
        .order_by("-election_date")
        .values_list("election_date", flat=True)
        .first()
    )
    return previous, cycle.election_date


def _conditions(user: User, chosen: TreeFilter) -> tuple[list[str], list]:
    where, params = [], []
    if user.is_coordinator:
        where.append("coalesce(v.county, p.county) = ANY (%s)")
        params.append(list(user.counties))
    if chosen.county:
        where.append("coalesce(v.county, p.county) = %s")
        params.append(chosen.county)
    if chosen.cycle is not None:
        after, until = cycle_window(chosen.cycle)
        where.append("(p.created_at AT TIME ZONE %s)::date <= %s")
        params += [settings.TIME_ZONE, until]
        if after is not None:
            where.append("(p.created_at AT TIME ZONE %s)::date > %s")
            params += [settings.TIME_ZONE, after]
    return where, params


def recruitment_tree(
    user: User, chosen: TreeFilter = TreeFilter(), *, limit: int | None = None, offset: int = 0
) -> tuple[list[TreeRow], int]:
    """Return the rows of the tree the user may see, depth first, and how many there are in all.

    Staff see every tree; a coordinator the people whose home is in their counties; a leader
    the people they recruited, and theirs, down every generation (their own generation is 0).
    """
    if user.is_state_staff or user.is_coordinator:
        start, start_params, generation = WHOLE_TREE, [], "1"
    elif user.is_leader:
        start, start_params, generation = ONES_OWN, [user.pk], "0"
    else:
        return [], 0
    where, params = _conditions(user, chosen)
    joins = FILTER_JOINS if where else ""
    if user.is_leader:
        where.append("t.generation > 0")
    sql = TREE_SQL.format(
        generation=generation, start=start, filter_joins=joins, where=" AND ".join(where) or "TRUE"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*start_params, *params, limit, offset])
        found = cursor.fetchall()
    rows = [TreeRow(*row[:8]) for row in found]
    return rows, (found[0][8] if found else 0)


# --- which gatherings produced leaders ------------------------------------------------------------


def recruiting_gatherings(user, chosen: TreeFilter, *, limit: int = 50) -> list[Gathering]:
    """The user's gatherings that had people at the door, each annotated attended → asked → yes →
    signed up → active (an active leader: turf's one definition), most yeses first; one query."""
    attendees = "attendees"
    active = Turf.objects.of_active_leaders().values("leader_id")
    gatherings = Gathering.objects.visible_to(user).filter(held_at__isnull=False)
    if chosen.county:
        gatherings = gatherings.filter(host__voter__county=chosen.county)
    if chosen.cycle is not None:
        after, until = cycle_window(chosen.cycle)
        gatherings = gatherings.filter(held_at__date__lte=until)
        if after is not None:
            gatherings = gatherings.filter(held_at__date__gt=after)
    return list(
        gatherings.select_related("host")
        .annotate(
            attended=Count(attendees),
            asked=Count(attendees, filter=~Q(attendees__ask=Attendee.Ask.NOT_ASKED)),
            said_yes=Count(attendees, filter=Q(attendees__ask=Attendee.Ask.YES)),
            signed_up=Count(attendees, filter=Q(attendees__prospect__user__isnull=False)),
            active=Count(attendees, filter=Q(attendees__prospect__user__in=active)),
        )
        .order_by("-said_yes", "-held_at")[:limit]
    )


# --- pages ---------------------------------------------------------------------------------------

PAGE_SIZE = 200


class TreeFilterForm(forms.Form):
    county = forms.CharField(max_length=40, required=False)
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.all(), required=False, empty_label="Every cycle")

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_coordinator:
            choices = [("", "All my counties")] + [(county, county) for county in user.counties]
            self.fields["county"] = forms.ChoiceField(choices=choices, required=False)

    def chosen(self) -> TreeFilter:
        if not self.is_valid():
            return TreeFilter()
        return TreeFilter(county=self.cleaned_data["county"].strip(), cycle=self.cleaned_data["cycle"])


def _tree_user(request) -> User:
    user = request.user
    if not (user.is_state_staff or user.is_coordinator or user.is_leader):
        raise Http404
    return user


@login_required
def tree(request):
    """Show who recruited whom, generation by generation, with each person's downline."""
    user = _tree_user(request)
    form = TreeFilterForm(request.GET or None, user=user)
    chosen = form.chosen() if not user.is_leader else TreeFilter()
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    rows, total = recruitment_tree(user, chosen, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    context = {
        "form": form,
        "rows": rows,
        "total": total,
        "number": number,
        "has_next": number * PAGE_SIZE < total,
        "query": request.GET.copy(),
        "gatherings": recruiting_gatherings(user, chosen),
    }
    return render(request, "events/tree.html", context)


@login_required
def tree_export(request):
    """Download the tree as a spreadsheet-safe CSV; each download is recorded in the export audit."""
    user = _tree_user(request)
    if user.is_leader:
        raise Http404  # before the password prompt
    return _tree_export(request)


@reauthentication_required
def _tree_export(request):
    user = request.user
    chosen = TreeFilterForm(request.GET or None, user=user).chosen()
    rows, _ = recruitment_tree(user, chosen)
    return audited_csv_response(
        request,
        kind=Export.Kind.TREE,
        file_name=f"recruitment-tree-{timezone.localdate()}.csv",
        filters=chosen.as_dict(),
        header=["Generation", "Name", "County", "Recruited by", "Stage", "Joined", "Downline"],
        rows=(
            [row.generation, row.name, row.county, row.recruiter, row.stage_label,
             timezone.localtime(row.joined).date().isoformat(), row.downline]
            for row in rows
        ),
    )  # fmt: skip
