from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from leaders import pipeline, services
from leaders.forms import InvitationForm, StageExitForm
from leaders.models import (
    INVITATION_SESSION_KEY,
    ApiToken,
    Invitation,
    LeaderProfile,
    get_invitation_for,
    get_profile_for,
    get_token_for,
    get_token_holder_for,
)
from leaders.services import (
    InvitationError,
    invitation_for_token,
    invitation_send,
    invite_prospect,
)


def home(request):
    """Show each role where to start; anonymous visitors see what the program is."""
    if not request.user.is_authenticated:
        return render(request, "leaders/welcome.html")
    return render(request, "leaders/home.html", {"role": request.user.get_role_display()})


@login_required
def invitations(request):
    """Invite a person by name and email (staff anywhere, coordinators into their counties)."""
    user = request.user
    if not (user.is_state_staff or user.is_coordinator):
        raise Http404
    form = InvitationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_send(
                invited_by=user, **form.cleaned_data, site_url=request.build_absolute_uri("/")
            )
        except InvitationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Sent {invitation.first_name} a sign-up link at {invitation.email}.")
            return redirect("leaders:invitations")
    sent = Invitation.objects.visible_to(user).select_related("invited_by", "account", "revoked_by")[:100]
    context = {"form": form, "sent": sent, "days": settings.INVITATION_DAYS}
    return render(request, "leaders/invitations.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def invitation_revoke(request, pk):
    """Stop a sign-up link working (staff anywhere, coordinators in their counties); a used one stays."""
    invitation = get_invitation_for(request.user, pk)
    try:
        revoked = services.invitation_revoke(invitation=invitation, by=request.user)
    except InvitationError as error:
        messages.error(request, str(error))
    else:
        name = f"{invitation.first_name} {invitation.last_name}"
        messages.success(request, f"The link sent to {name} no longer works." if revoked else "No change.")
    return redirect("leaders:invitations")


def join(request, token):
    """Open sign-up for the person an emailed link was sent to, once, before it expires."""
    try:
        invitation = invitation_for_token(token)
    except InvitationError as error:
        return render(request, "leaders/join_refused.html", {"reason": str(error)}, status=error.status)
    if request.user.is_authenticated:
        messages.info(
            request, "You are signed in already: sign out first to use a sign-up link for someone else."
        )
        return redirect("home")
    request.session[INVITATION_SESSION_KEY] = invitation.pk
    return redirect("account_signup")


# --- the pipeline: profiles, prospects ------------------------------------------------------------


def _staff_or_coordinator(user) -> None:
    if not (user.is_state_staff or user.is_coordinator):
        raise Http404


@login_required
def prospects(request):
    """The people who may become leaders and have no account yet, with their latest sign-up link."""
    _staff_or_coordinator(request.user)
    rows = (
        LeaderProfile.objects.visible_to(request.user)
        .prospects()
        .exclude(stage=LeaderProfile.Stage.QUIT)
        .select_related("recruiter")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    latest = {}
    for invitation in Invitation.objects.filter(profile__in=[p.pk for p in page]).order_by("created_at"):
        latest[invitation.profile_id] = invitation
    for profile in page:
        profile.latest_invitation = latest.get(profile.pk)
    return render(request, "leaders/prospects.html", {"page": page, "days": settings.INVITATION_DAYS})


@login_required
@require_POST
def prospect_invite(request, pk):
    """Email a prospect a sign-up link, or a new one: the one sent before stops working."""
    _staff_or_coordinator(request.user)
    profile = get_profile_for(request.user, pk)
    try:
        invite_prospect(profile=profile, by=request.user, site_url=request.build_absolute_uri("/"))
    except InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Sent {profile} a sign-up link at {profile.email}.")
    if request.POST.get("next") == "profile":
        return redirect("leaders:profile", profile.pk)
    return redirect("leaders:prospects")


@login_required
def profile(request, pk):
    """One leader's or prospect's place in the pipeline: each stage with its date, recruiter, origin."""
    _staff_or_coordinator(request.user)
    profile = get_profile_for(request.user, pk)
    history = profile.stage_changes.select_related("by").order_by("at", "pk")
    recruits = (
        LeaderProfile.objects.visible_to(request.user)
        .filter(recruiter_id=profile.user_id)
        .select_related("user")
        .order_by("created_at")
        if profile.user_id
        else LeaderProfile.objects.none()
    )
    context = {"profile": profile, "history": history, "recruits": recruits, "exit_form": StageExitForm()}
    return render(request, "leaders/profile.html", context)


@login_required
@require_POST
def profile_stage(request, pk):
    """Mark someone inactive or quit (with a reason), or bring them back where they were."""
    _staff_or_coordinator(request.user)
    profile = get_profile_for(request.user, pk)
    if profile.user is not None and not profile.user.is_leader:
        raise PermissionDenied  # staff or a coordinator whose own yes at a door gave them a profile
    form = StageExitForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("leaders:profile", profile.pk)
    stage, reason = form.cleaned_data["stage"], form.cleaned_data["reason"]
    if stage == StageExitForm.BACK:
        stage = LeaderProfile.Stage.SIGNED_UP if profile.user_id else LeaderProfile.Stage.PROSPECT
    try:
        moved = pipeline.record_stage(profile, stage, by=request.user, reason=reason)
    except pipeline.PipelineError as error:
        messages.error(request, str(error))
    else:
        profile.refresh_from_db()
        messages.success(
            request, f"{profile} is {profile.get_stage_display().lower()}." if moved else "No change."
        )
    return redirect("leaders:profile", profile.pk)


# --- devices (API tokens) -------------------------------------------------------------------------


@login_required
def devices(request):
    """The signed-in person's devices: the API tokens they hold, with when each was last used."""
    return _devices_page(request, request.user)


@login_required
def person_devices(request, user_id):
    """Someone's devices, for staff and the coordinator of a leader's county."""
    holder = get_token_holder_for(request.user, user_id)
    return _devices_page(request, holder)


def _devices_page(request, holder):
    tokens = ApiToken.objects.visible_to(request.user).filter(user=holder).order_by("-created_at")
    return render(request, "leaders/devices.html", {"holder": holder, "tokens": tokens})


@login_required
@require_POST
def device_revoke(request, pk):
    """Revoke an API token: the device it is on can no longer sync."""
    token = get_token_for(request.user, pk)
    token.revoke(by=request.user)
    messages.success(request, f"{token.name} can no longer sync.")
    if token.user_id == request.user.pk:
        return redirect("leaders:devices")
    return redirect("leaders:person_devices", token.user_id)
