"""The recruitment tree: who recruited whom, by generation, with each leader's downline (DESIGN.md 6).

One recursive query walks every generation at once (WITH RECURSIVE over leaders' profiles), so
its cost grows with the number of people, never with one query per level. A profile whose
recruiter is nobody, or someone with no profile (staff), starts a tree: generation 1.
Filters choose the rows shown; generations and downlines always count the whole tree.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

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

# A person's name: their account's, else its email, else the prospect's own (p: the profile, u: its account).
NAME = """coalesce(nullif(trim(concat_ws(' ', u.first_name, u.last_name)), ''), u.email,
                trim(concat_ws(' ', p.first_name, p.last_name)))"""

# {start}: which profiles start the walk; {where}: which rows the filters choose; {order}: how they
# are paged. All are fixed SQL with %s parameters, chosen below; nothing a user typed is ever
# formatted into the statement. The generation counts come back on every row, and on a row of
# NULLs when the page is past the end, so the page costs one statement however it is cut.
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
chosen AS (
    SELECT t.id, t.generation, d.size, t.path
    FROM tree t JOIN downline d ON d.ancestor = t.id {filter_joins}
    WHERE {where}
),
generations AS (
    SELECT coalesce(json_agg(json_build_array(generation, people) ORDER BY generation), '[]') AS counts
    FROM (SELECT generation, count(*) AS people FROM chosen GROUP BY generation) g
),
shown AS (
    SELECT c.*, count(*) OVER () AS total FROM chosen c
    ORDER BY {order}
    LIMIT %s OFFSET %s
)
SELECT s.id, s.generation, s.size, p.stage, p.created_at, {name} AS name,
       coalesce(v.county, p.county) AS county,
       coalesce(nullif(trim(concat_ws(' ', r.first_name, r.last_name)), ''), r.email, '') AS recruiter,
       s.total, g.counts::text
FROM generations g
LEFT JOIN (
    shown s
    JOIN leaders_leaderprofile p ON p.id = s.id
    LEFT JOIN leaders_user u ON u.id = p.user_id
    LEFT JOIN contacts_voter v ON v.id = u.voter_id
    LEFT JOIN leaders_user r ON r.id = p.recruiter_id
) ON TRUE
ORDER BY {order}
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


class Tree(NamedTuple):
    """The rows of one page, how many rows the filters chose, and how many of those in each generation."""

    rows: list[TreeRow]
    total: int
    generations: list[tuple[int, int]]


@dataclass(frozen=True)
class TreeFilter:
    """Which rows to show and in what order: one county, the people recruited in one cycle, a name,
    one person's downline (`under`: their profile id); tree order or the largest downlines first."""

    TREE_ORDER = "tree"
    LARGEST_DOWNLINES = "downline"

    county: str = ""
    cycle: Cycle | None = None
    name: str = ""
    under: int | None = None
    order: str = TREE_ORDER

    def as_dict(self) -> dict:
        """The filters for the export audit: county and cycle always, the others when chosen."""
        extra = {
            "name": self.name,
            "under": self.under,
            "order": self.order != self.TREE_ORDER and self.order,
        }
        return {"county": self.county, "cycle": self.cycle.name if self.cycle else ""} | {
            key: value for key, value in extra.items() if value
        }


# How the chosen rows are paged (both orders end in the tree's own, so pages never overlap).
ORDERS = {TreeFilter.TREE_ORDER: "path", TreeFilter.LARGEST_DOWNLINES: "size DESC, path"}


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
    if chosen.name:
        where.append(f"{NAME} ILIKE %s")
        params.append("%" + re.sub(r"([\\%_])", r"\\\1", chosen.name) + "%")
    if chosen.under is not None:
        where.append("%s = ANY (t.path)")
        params.append(chosen.under)
    return where, params


def recruitment_tree(
    user: User, chosen: TreeFilter = TreeFilter(), *, limit: int | None = None, offset: int = 0
) -> Tree:
    """Return the rows of the tree the user may see, depth first or by downline, in one query.

    Staff see every tree; a coordinator the people whose home is in their counties; a leader
    the people they recruited, and theirs, down every generation (their own generation is 0).
    """
    if user.is_state_staff or user.is_coordinator:
        start, start_params, generation = WHOLE_TREE, [], "1"
    elif user.is_leader:
        start, start_params, generation = ONES_OWN, [user.pk], "0"
    else:
        return Tree([], 0, [])
    where, params = _conditions(user, chosen)
    joins = FILTER_JOINS if where else ""
    if user.is_leader:
        where.append("t.generation > 0")
    sql = TREE_SQL.format(
        generation=generation, start=start, filter_joins=joins, where=" AND ".join(where) or "TRUE",
        order=ORDERS.get(chosen.order, ORDERS[TreeFilter.TREE_ORDER]), name=NAME,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, [*start_params, *params, limit, offset])
        found = cursor.fetchall()
    rows = [TreeRow(*row[:8]) for row in found if row[0] is not None]
    # As text, parsed once: psycopg would parse the same JSON again on every one of thousands of rows.
    counts = json.loads(found[0][9])
    return Tree(rows, found[0][8] or 0, [(generation, people) for generation, people in counts])


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
    name = forms.CharField(max_length=60, required=False, label="Name")
    county = forms.CharField(max_length=40, required=False)
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.all(), required=False, empty_label="Every cycle")
    order = forms.ChoiceField(
        choices=[(TreeFilter.TREE_ORDER, "Tree order"), (TreeFilter.LARGEST_DOWNLINES, "Largest downlines first")],
        required=False, label="Order",
    )  # fmt: skip
    under = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_coordinator:
            choices = [("", "All my counties")] + [(county, county) for county in user.counties]
            self.fields["county"] = forms.ChoiceField(choices=choices, required=False)

    def chosen(self, *, own_tree: bool = False) -> TreeFilter:
        """The filter asked for; in a leader's own tree only a name, an order and one downline."""
        if not self.is_valid():
            return TreeFilter()
        data = self.cleaned_data
        picked = {"name": " ".join(data["name"].split()), "under": data["under"],
                  "order": data["order"] or TreeFilter.TREE_ORDER}  # fmt: skip
        if own_tree:
            return TreeFilter(**picked)
        return TreeFilter(county=data["county"].strip(), cycle=data["cycle"], **picked)


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
    chosen = form.chosen(own_tree=user.is_leader)
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    tree = recruitment_tree(user, chosen, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    whole = query.copy()
    whole.pop("under", None)
    context = {
        "form": form,
        "chosen": chosen,
        "rows": tree.rows,
        "total": tree.total,
        "generations": tree.generations,
        "opened": next((row for row in tree.rows if row.profile_id == chosen.under), None),
        "number": number,
        "has_next": number * PAGE_SIZE < tree.total,
        "query": query,
        "whole": whole,
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
    rows = recruitment_tree(user, chosen).rows
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
