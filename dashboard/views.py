"""The staff command center: the dashboard, coverage of every county, and the goals behind them."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contacts.voterfile.layout import ELECTION_AUTHORITIES
from dashboard import services
from dashboard.charts import MAP_MEASURES, county_map, progress_chart
from dashboard.coverage import county_rows, sort_rows
from dashboard.forms import CountyClassForm, CoverageForm, GoalForm
from dashboard.funnel import funnel
from dashboard.goals import PROJECTION_METHOD, outlook
from dashboard.models import Goal, get_goal_for
from dashboard.progress import (
    AUTHORITY_SLUGS,
    activity,
    district_progress,
    milestones_for,
    scope_for,
    totals,
)
from dashboard.summary import cycle_began
from turf.models import Cycle


@login_required
def index(request, county=None):
    """Active leaders against the dated goals, pace, projection and this cycle's totals, for the user's scope."""
    scope = scope_for(request.user, county)
    cycle = Cycle.current()
    if cycle is None:
        return render(request, "dashboard/no_cycle.html", {"scope": scope})
    today = timezone.localdate()
    active = activity(cycle, scope)
    milestones, goal_source = milestones_for(cycle, scope)
    seen = outlook(active, milestones, today)
    start = min([timezone.localdate(cycle_began(cycle)), *active.starts[:1]])
    context = {
        "scope": scope,
        "county_slug": county,
        "cycle": cycle,
        "outlook": seen,
        "goal_source": goal_source,
        "method": PROJECTION_METHOD,
        "chart": progress_chart(active, milestones, seen, start),
        "totals": totals(cycle, scope),
        "funnel": funnel(scope),
        "districts": district_progress(cycle, scope, today),
    }
    return render(request, "dashboard/index.html", context)


@login_required
def coverage(request):
    """Every election authority in the user's scope: leaders, turf, contacts, IDs, rural or not, and a map."""
    scope = scope_for(request.user)
    form = CoverageForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    cycle = Cycle.current()
    if cycle is None:
        return render(request, "dashboard/no_cycle.html", {"scope": scope})
    counties = scope.counties if scope.counties is not None else ELECTION_AUTHORITIES
    rows, sort = sort_rows(county_rows(cycle, counties), chosen.get("sort") or "county")
    measure = chosen.get("map") or "goal_share"
    slugs = {name: slug for slug, name in AUTHORITY_SLUGS.items()}
    for row in rows:
        row.slug = slugs[row.county]
    context = {
        "scope": scope,
        "cycle": cycle,
        "rows": rows,
        "sort": sort,
        "measure": measure,
        "measures": [(key, label) for key, (label, _, _) in MAP_MEASURES.items()],
        "map": county_map(rows, measure),
        "rural_count": sum(row.is_rural for row in rows),
        "rural_threshold": settings.RURAL_VOTERS_PER_SQ_MILE,
        "class_form": CountyClassForm() if request.user.is_state_staff else None,
    }
    return render(request, "dashboard/coverage.html", context)


@login_required
@require_POST
def county_classes(request):
    """Class a county rural or urban over its density, or hand it back to the density rule (staff)."""
    scope_for(request.user)  # leaders and candidates: 404
    if not request.user.is_state_staff:
        raise PermissionDenied
    form = CountyClassForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a county, and rural, urban or by density.")
        return redirect("dashboard:coverage")
    county = form.cleaned_data["county"]
    services.set_county_class(
        county=county, is_rural=form.is_rural, note=form.cleaned_data["note"], by=request.user
    )
    label = dict(form.CHOICES)[form.cleaned_data["classed"]]
    messages.success(request, f"{county}: {label.lower()} from now on.")
    return redirect("dashboard:coverage")


def _staff_only(user) -> None:
    if not user.is_state_staff:
        raise Http404


@login_required
def goals(request):
    """The active cycle's goals, and a form to add one (staff)."""
    _staff_only(request.user)
    cycle = Cycle.current()
    if cycle is None:
        return render(request, "dashboard/no_cycle.html", {"scope": scope_for(request.user)})
    form = GoalForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        services.save_goal(goal=form.instance, **form.cleaned_data, by=request.user)
        messages.success(request, f"Goal added: {form.instance}.")
        return redirect("dashboard:goals")
    rows = Goal.objects.visible_to(request.user).filter(cycle=cycle).select_related("updated_by")
    defaults = [] if rows.statewide().exists() else Goal.defaults_for(cycle)
    status = 400 if request.method == "POST" else 200
    context = {"cycle": cycle, "goals": rows, "defaults": defaults, "form": form}
    return render(request, "dashboard/goals.html", context, status=status)


@login_required
@require_POST
def goal_defaults(request):
    """Save the default statewide goals, so staff can change them; a cycle with statewide goals keeps them."""
    _staff_only(request.user)
    cycle = Cycle.current()
    if cycle is None:
        raise Http404
    if services.save_default_goals(cycle=cycle, by=request.user):
        messages.success(request, "The default goals are saved: change any of them below.")
    return redirect("dashboard:goals")


def _editable_goal(request, pk) -> Goal:
    goal = get_goal_for(request.user, pk)
    if not goal.can_edit(request.user):
        raise PermissionDenied
    return goal


@login_required
def goal_edit(request, pk):
    goal = _editable_goal(request, pk)
    form = GoalForm(request.POST or None, instance=goal, cycle=goal.cycle)
    if request.method == "POST" and form.is_valid():
        services.save_goal(goal=goal, **form.cleaned_data, by=request.user)
        messages.success(request, f"Goal changed: {goal}.")
        return redirect("dashboard:goals")
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/goal_edit.html", {"goal": goal, "form": form}, status=status)


@login_required
@require_POST
def goal_delete(request, pk):
    goal = _editable_goal(request, pk)
    services.delete_goal(goal=goal)
    messages.success(request, f"Goal removed: {goal}.")
    return redirect("dashboard:goals")
