"""Review of plausibility flags: coordinators judge their counties' flags, staff everyone's.

The leader is never told by the app: the coordinator decides, and talks with them if need be.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from contacts.models import PlausibilityFlag, get_flag_for
from contacts.plausibility import FlagDecided, flag_confirm, flag_roll_back

DECIDED_SHOWN = 20


class RollBackForm(forms.Form):
    sure = forms.BooleanField(
        label="Withdraw these contacts, their IDs and the suppressions they reported",
        error_messages={"required": "Tick the box to confirm the rollback."},
    )


def _reviewer(user) -> None:
    if not (user.is_state_staff or user.is_coordinator):
        raise Http404


@login_required
def flags(request):
    """The open flags in the user's counties, newest first, and the latest decided ones."""
    _reviewer(request.user)
    visible = PlausibilityFlag.objects.visible_to(request.user).select_related("leader", "decided_by")
    return render(
        request,
        "dashboard/review.html",
        {
            "open_flags": visible.open(),
            "decided": visible.exclude(status=PlausibilityFlag.Status.OPEN).order_by("-decided_at")[
                :DECIDED_SHOWN
            ],
        },
    )


def _flag_page(request, flag, form, *, status=200):
    attempts = flag.attempts_seen_by(request.user)
    return render(
        request,
        "dashboard/review_flag.html",
        {"flag": flag, "attempts": attempts, "form": form},
        status=status,
    )


@login_required
def flag(request, pk):
    """One flag: why, whose, and its attempts, with the two decisions."""
    return _flag_page(request, get_flag_for(request.user, pk), RollBackForm())


@login_required
@require_POST
def flag_confirm_view(request, pk):
    """Close the flag as fine: the attempts stand."""
    flag = get_flag_for(request.user, pk)
    try:
        flag_confirm(flag_id=flag.pk, by=request.user)
        messages.success(request, "Marked fine: these contacts stand.")
    except FlagDecided as error:
        messages.error(request, str(error))
    return redirect("dashboard:flags")


@login_required
@require_POST
def flag_roll_back_view(request, pk):
    """Withdraw the flag's attempts and the suppressions they reported, once confirmed; replaying changes nothing."""
    flag = get_flag_for(request.user, pk)
    form = RollBackForm(request.POST)
    if not form.is_valid():
        return _flag_page(request, flag, form, status=400)
    try:
        flag = flag_roll_back(flag_id=flag.pk, by=request.user)
        messages.success(
            request,
            f"Rolled back: {flag.withdrawn_attempts} contacts and {flag.withdrawn_suppressions} "
            "suppressions withdrawn.",
        )
    except FlagDecided as error:
        messages.error(request, str(error))
    return redirect("dashboard:flags")
