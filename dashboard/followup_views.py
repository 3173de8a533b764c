"""The follow-up page: who to reach today and why, each row with its action one click away."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dashboard.followup import LISTS, PAGE_SIZE, ROWS_SHOWN, follow_up, follow_up_list
from dashboard.progress import scope_for
from events.models import Attendee, get_attendee_for
from leaders import pipeline
from leaders.models import LeaderProfile


def _render(request, scope, lists, rows_shown, one=None):
    """The follow-up page: every list's first rows, or (`one`, a list's name) a page of that list."""
    context = {
        "scope": scope,
        "lists": lists,
        "one": one,
        "stalled_days": settings.STALLED_AFTER_DAYS,
        "nudge_days": settings.INVITE_NUDGE_DAYS,
        "rows_shown": rows_shown,
    }
    return render(request, "dashboard/followup.html", context)


@login_required
def index(request):
    """Stalled leaders, empty turf, prospects never invited, invites unanswered, yeses nobody followed up."""
    scope = scope_for(request.user)  # leaders and candidates: 404
    return _render(request, scope, follow_up(request.user), ROWS_SHOWN)


@login_required
def one_list(request, name):
    """All of one follow-up list, a page at a time (?page=N), longest-waiting first."""
    scope = scope_for(request.user)
    if name not in LISTS:
        raise Http404("No such follow-up list.")
    lists = follow_up_list(request.user, name, request.GET.get("page"))
    return _render(request, scope, lists, PAGE_SIZE, name)


@login_required
@require_POST
def yes_to_prospect(request, pk):
    """Make a prospect of someone who said yes at the ask, recruited by the gathering's host."""
    scope_for(request.user)
    attendee = get_attendee_for(request.user, pk)
    voter, host = attendee.voter, attendee.gathering.host
    first, last = (voter.first_name, voter.last_name) if voter else attendee.name.partition(" ")[::2]
    # A walk-in no voter matched lives, as far as we know, where the gathering's host does.
    home = voter or host.voter
    try:
        profile = pipeline.add_prospect(
            first_name=first, last_name=last, phone=attendee.phone, county=home.county if home else "",
            recruiter=host, origin=LeaderProfile.Origin.GATHERING, by=request.user,
        )  # fmt: skip
    except pipeline.PipelineError as error:
        messages.error(request, str(error))
        return redirect("dashboard:followup")
    Attendee.objects.filter(pk=attendee.pk, prospect__isnull=True).update(prospect=profile)
    messages.success(request, f"{profile} is a prospect now, recruited by {host}.")
    return redirect("dashboard:leader", profile.pk)
