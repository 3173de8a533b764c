"""Gatherings: a leader plans one, sees who is coming, and changes its time or place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from events.forms import GatheringForm
from events.models import Invitation, get_gathering_for
from lib.offline import offline_page

# --- gatherings -----------------------------------------------------------------------------------


@login_required
def gathering_new(request):
    """Plan a gathering to invite neighbors to."""
    if not request.user.is_leader:
        raise Http404
    form = GatheringForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        gathering = form.save(commit=False)
        gathering.host = request.user
        gathering.save()
        messages.success(request, "Gathering planned: invite your neighbors when you call them.")
        return redirect("events:gathering", gathering.pk)
    return render(request, "events/gathering_form.html", {"form": form})


@login_required
@offline_page
def gathering(request, pk):
    """A gathering and who said they are coming."""
    gathering = get_gathering_for(request.user, pk)
    invitations = gathering.invitations.select_related("voter").order_by("rsvp", "voter__last_name")
    counts = {choice: 0 for choice, _ in Invitation.Rsvp.choices}
    for invitation in invitations:
        counts[invitation.rsvp] += 1
    return render(
        request,
        "events/gathering.html",
        {
            "gathering": gathering,
            "invitations": invitations,
            "counts": counts,
            "can_edit": gathering.can_edit(request.user),
        },
    )


@login_required
def gathering_edit(request, pk):
    """Change a gathering's time or place; only its host may."""
    gathering = get_gathering_for(request.user, pk)
    if not gathering.can_edit(request.user):
        raise PermissionDenied
    form = GatheringForm(request.POST or None, instance=gathering)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Gathering updated.")
        return redirect("events:gathering", gathering.pk)
    return render(request, "events/gathering_form.html", {"form": form, "gathering": gathering})
