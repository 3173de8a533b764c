"""Leaderboards for staff and coordinators to thank people, and a leader's own standing."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from dashboard.progress import AUTHORITY_SLUGS, scope_for
from dashboard.recognition import BOARDS, boards, standing
from turf.models import Cycle


@login_required
def index(request, county=None):
    """Recruiters and the most active leaders this cycle, statewide or in one county."""
    county = county or request.GET.get("county") or None
    scope = scope_for(request.user, county)
    cycle = Cycle.current()
    if cycle is None:
        return render(request, "dashboard/no_cycle.html", {"scope": scope})
    found = boards(cycle, scope)
    shown = [(title, unit, found[key]) for key, (title, unit, _, _) in BOARDS.items()]
    counties = scope.counties if scope.counties is not None and county is None else None
    slugs = {name: slug for slug, name in AUTHORITY_SLUGS.items()}
    context = {
        "scope": scope,
        "cycle": cycle,
        "boards": shown,
        "county_links": [(name, slugs[name]) for name in counties or ()],
        "all_counties": request.user.is_state_staff and county is None,
        "county_choices": sorted(AUTHORITY_SLUGS.items(), key=lambda item: item[1]),
    }
    return render(request, "dashboard/recognition.html", context)


@login_required
def mine(request):
    """A leader's own standing on each board: their count and rank, nobody else's name."""
    if not request.user.is_leader:
        raise Http404
    cycle = Cycle.current()
    places = standing(cycle, request.user) if cycle is not None else []
    return render(request, "dashboard/standing.html", {"cycle": cycle, "places": places})
